"""A discrete-event simulation of one enrollment station (SimPy): citizens arrive as a Poisson process,
wait for a free officer, are captured in a time spread around its mean; how many are served within the
opening hours, how long they waited, how busy the officers were. And the planning question built on it:
how many officers (or shifts) finish a unit's outstanding citizens by a date. Pure: no Django import."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import simpy

CAPTURE_SPREAD = 0.25  # coefficient of variation of the capture time (gamma distributed around its mean)


@dataclass(frozen=True)
class Result:
    served: int
    arrived: int
    waiting_p90_minutes: float
    utilisation: float

    def as_dict(self) -> dict:
        return {"served": self.served, "waiting_p90_minutes": self.waiting_p90_minutes,
                "utilisation": self.utilisation}  # fmt: skip


def _p90(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = 0.9 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# A station's day sees hundreds of citizens, a campaign's peak a few thousand: more simulated arrivals than
# this is a mistake (or an attempt to keep the server busy: 360,000 arrivals took 10 s of CPU).
MAX_ARRIVALS = 20_000


class SimulationTooLarge(ValueError):
    def __init__(self, expected: float):
        super().__init__(f"{expected:.0f} arrivals expected; at most {MAX_ARRIVALS}")
        self.expected = expected


def simulate(*, officers: int, minutes_per_application: float, arrivals_per_hour: float, hours: float,
             seed: int, appointments_per_hour: float = 0.0) -> Result:  # fmt: skip
    """One day at a station: walk-ins arrive at ``arrivals_per_hour`` (Poisson) and booked citizens at
    ``appointments_per_hour`` (evenly, on their slot) during ``hours``; ``served`` counts captures finished
    within the ``hours``. Waiting of a citizen still in the queue at closing counts up to closing."""
    if officers < 1 or minutes_per_application <= 0 or hours <= 0 or arrivals_per_hour < 0:
        raise ValueError("officers ≥ 1, minutes > 0, hours > 0, arrivals ≥ 0")
    if (arrivals_per_hour + appointments_per_hour) * hours > MAX_ARRIVALS:
        raise SimulationTooLarge((arrivals_per_hour + appointments_per_hour) * hours)
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=officers)
    closing = hours * 60.0
    shape = 1 / CAPTURE_SPREAD**2
    waits: dict[int, float] = {}
    arrivals: dict[int, float] = {}
    capturing: dict[int, float] = {}  # number → start of a capture not yet finished
    done = [0]
    busy = [0.0]

    def citizen(number: int):
        arrivals[number] = env.now
        with desk.request() as turn:
            yield turn
            waits[number] = env.now - arrivals[number]
            capturing[number] = env.now
            yield env.timeout(rng.gammavariate(shape, minutes_per_application / shape))
            busy[0] += env.now - capturing.pop(number)
            done[0] += 1

    def walk_ins():
        number = 0
        while arrivals_per_hour > 0:
            yield env.timeout(rng.expovariate(arrivals_per_hour / 60.0))
            if env.now >= closing:
                return
            number += 1
            env.process(citizen(number))

    def booked():
        gap = 60.0 / appointments_per_hour if appointments_per_hour > 0 else closing
        number = 1_000_000
        while env.now + gap < closing:
            yield env.timeout(gap)
            number += 1
            env.process(citizen(number))

    env.process(walk_ins())
    env.process(booked())
    env.run(until=closing)  # a capture ending exactly at closing is in; one still running is not served
    busy_minutes = busy[0] + sum(closing - start for start in capturing.values())
    still_waiting = [closing - arrivals[n] for n in arrivals if n not in waits]
    return Result(served=done[0], arrived=len(arrivals),
                  waiting_p90_minutes=round(_p90(list(waits.values()) + still_waiting), 1),
                  utilisation=round(min(busy_minutes / (officers * closing), 1.0), 3))  # fmt: skip


@dataclass(frozen=True)
class Plan:
    per_day: int  # applications a day needed to finish in time
    days: int
    officers: int  # per shift, at the given shifts a day
    shifts: int
    served_per_shift: int
    waiting_p90_minutes: float
    utilisation: float


def officers_needed(*, outstanding: int, days: int, minutes_per_application: float, shifts: int = 1,
                    shift_hours: float = 8.0, seed: int = 1, max_officers: int = 200) -> Plan | None:  # fmt: skip
    """The fewest officers per shift for which a simulated shift (arrivals at the needed rate) serves its
    share of ``outstanding`` over ``days`` working days of ``shifts`` shifts; None when even
    ``max_officers`` cannot (or there are no days left)."""
    if days <= 0 or shifts <= 0 or outstanding < 0:
        return None
    per_day = math.ceil(outstanding / days)
    per_shift = math.ceil(per_day / shifts)
    if per_shift == 0:
        return Plan(0, days, 0, shifts, 0, 0.0, 0.0)
    rate = per_shift / shift_hours * 1.15  # citizens come a little more than needed: some leave unserved
    low = max(1, math.ceil(per_shift * minutes_per_application / (shift_hours * 60)))

    def run(officers: int) -> Result:
        return simulate(officers=officers, minutes_per_application=minutes_per_application, arrivals_per_hour=rate,
                        hours=shift_hours, seed=seed)  # fmt: skip

    if low > max_officers or run(max_officers).served < per_shift:
        return None
    high = max_officers  # served grows with officers: the fewest that serve the share, by bisection
    while low < high:
        middle = (low + high) // 2
        if run(middle).served >= per_shift:
            high = middle
        else:
            low = middle + 1
    result = run(low)
    return Plan(per_day, days, low, shifts, result.served, result.waiting_p90_minutes, result.utilisation)
