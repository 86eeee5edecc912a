"""The reference 1:N fingerprint engine: one person, one number.

``identify`` asks the triplet index (``index.py``) which enrolled people share the most minutia triangles
with the probe, summed over all fingers; only that shortlist (``shortlist`` people, 10) is compared with
Bozorth3, finger by finger at the same position, and the raw Bozorth3 scores of the fingers are summed
(score-level fusion, sum rule) into the candidate's score. ``match`` is that score at or above the
operating point. A search of a gallery of any size thus costs ~shortlist × 10 Bozorth3 comparisons plus
index look-ups that grow with the gallery.

Operating points (sums of raw Bozorth3 scores) were chosen on a development seed of the synthetic
generator, never on the seed the accuracy figures are measured on (``bench/biometrics_accuracy.py``).
Seed 1, 150 people enrolled: the best stranger of 300 ten-print searches scored at most 206 (mates at
least 1,051), of 1,200 single-finger searches at most 59; of 6,000 single-finger 1:1 impostor
comparisons the 99.9th percentile was 36 (genuine 5th percentile 53), of 600 ten-print impostor pairs
at most 165 (genuine at least 1,108). The thresholds sit above those with a margin, since the best
stranger's score grows with the gallery. The index put the mate first in all 150 ten-print searches,
hence a shortlist of 10. ``IDENTIFY_THRESHOLD``: ten-print 1:N at FPIR ≈ 0.1 % (``IDENTIFY_THRESHOLD_ONE``
for a single finger, linear in between, for people with missing fingers); ``VERIFY_THRESHOLD_ONE`` and
``VERIFY_THRESHOLD_TEN``: 1:1 at FMR ≈ 0.1 % with one finger and with ten (linear in between)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode
from cancuoc.fingerprints.index import PositionIndex, gallery_keys, probe_keys
from cancuoc.fingerprints.matching import Bozorth3, compact
from cancuoc.fingerprints.templates import POSITIONS, FingerTemplate, check_position

IDENTIFY_THRESHOLD = 300.0  # ten fingers compared
IDENTIFY_THRESHOLD_ONE = 70.0  # one finger compared; linear in between (see ``identify_threshold``)
VERIFY_THRESHOLD_ONE = 40.0
VERIFY_THRESHOLD_TEN = 200.0
SHORTLIST = 10


@dataclass(frozen=True)
class Candidate:
    reference: str
    score: float
    match: bool

    def as_dict(self) -> dict:
        return {"reference": self.reference, "score": round(self.score, 1), "match": self.match}


@dataclass(frozen=True)
class Verification:
    score: float
    match: bool
    fingers: int  # fingers compared (present in both)


@dataclass
class _Enrolled:
    rows: dict[int, np.ndarray]  # position -> compact minutiae (matching.compact)
    sizes: dict[int, tuple[int, int]]  # position -> (width, height)


class ReferenceEngine:
    """An in-memory gallery of ten-print references with a triplet index per finger position."""

    def __init__(self, threshold: float | None = None, *, shortlist: int = SHORTLIST,
                 verify_thresholds: tuple[float, float] = (VERIFY_THRESHOLD_ONE, VERIFY_THRESHOLD_TEN)):  # fmt: skip
        self.threshold = IDENTIFY_THRESHOLD if threshold is None else float(threshold)
        self.threshold_one = IDENTIFY_THRESHOLD_ONE * self.threshold / IDENTIFY_THRESHOLD
        self.shortlist = int(shortlist)
        self.verify_thresholds = verify_thresholds
        self.matcher = Bozorth3()
        self._indexes = {position: PositionIndex() for position in POSITIONS}
        self._references: list[str | None] = []
        self._numbers: dict[str, int] = {}
        self._enrolled: list[_Enrolled | None] = []
        self._alive = np.zeros(1024, dtype=bool)

    # -- gallery ----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._numbers)

    def __contains__(self, reference: str) -> bool:
        return reference in self._numbers

    @property
    def comparisons(self) -> int:
        """Bozorth3 comparisons made so far (identify and verify)."""
        return self.matcher.calls

    def insert(self, reference: str, templates: Mapping[int, FingerTemplate]) -> None:
        """Enrol (or replace) ``reference`` with its fingers by position."""
        if not isinstance(reference, str) or not reference:
            raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail="empty reference")
        fingers = _checked(templates)
        self.delete(reference)
        number = len(self._references)
        if number >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), dtype=bool)])
        self._references.append(reference)
        self._numbers[reference] = number
        self._alive[number] = True
        self._enrolled.append(_Enrolled({p: compact(t) for p, t in fingers.items()},
                                        {p: (t.width, t.height) for p, t in fingers.items()}))  # fmt: skip
        for position, template in fingers.items():
            self._indexes[position].add(number, gallery_keys(template))

    def delete(self, reference: str) -> bool:
        number = self._numbers.pop(reference, None)
        if number is None:
            return False
        self._alive[number] = False
        self._enrolled[number] = None
        self._references[number] = None
        return True

    def memory_bytes(self) -> int:
        """Index arrays plus stored minutiae (numpy buffers only)."""
        stored = sum(r.nbytes for e in self._enrolled if e is not None for r in e.rows.values())
        return sum(index.nbytes() for index in self._indexes.values()) + stored

    def flush(self) -> None:
        """Sort what was inserted into the index (done by the next search anyway)."""
        for index in self._indexes.values():
            index.flush(self._alive)

    # -- search -----------------------------------------------------------------------------------------
    def shortlist_numbers(
        self, probe: Mapping[int, FingerTemplate], exclude: str | None = None
    ) -> np.ndarray:
        """Person numbers of the ``shortlist`` people with the most triangle votes, most first."""
        people = len(self._references)
        if not people:
            return np.zeros(0, dtype=np.int64)
        votes = np.zeros(people, dtype=np.int64)
        for position, template in probe.items():
            index = self._indexes[position]
            index.flush(self._alive)
            keys = probe_keys(template)
            if len(keys):
                votes += index.votes(keys, people)
        votes[~self._alive[:people]] = -1
        if exclude is not None and exclude in self._numbers:
            votes[self._numbers[exclude]] = -1
        count = min(self.shortlist, int((votes > 0).sum()))
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        top = np.argpartition(-votes, count - 1)[:count]
        return top[np.argsort(-votes[top], kind="stable")]

    def identify(self, probe: Mapping[int, FingerTemplate], limit: int = 10,
                 exclude: str | None = None) -> list[Candidate]:  # fmt: skip
        """The enrolled people most like ``probe``, best first, each with its fused score and decision."""
        fingers = _checked(probe)
        numbers = self.shortlist_numbers(fingers, exclude)
        prepared = {p: self.matcher.prepare_template(t) for p, t in fingers.items()}
        scored = []
        for number in numbers:
            enrolled = self._enrolled[int(number)]
            score, compared = 0.0, 0
            for position, native_probe in prepared.items():
                rows = enrolled.rows.get(position)
                if rows is not None:
                    width, height = enrolled.sizes[position]
                    score += self.matcher.score(native_probe, self.matcher.prepare(rows, width, height))
                    compared += 1
            scored.append((score, self._references[int(number)], compared))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [Candidate(reference, score, compared > 0 and score >= self.identify_threshold(compared))
                for score, reference, compared in scored[:limit]]  # fmt: skip

    def identify_threshold(self, fingers: int) -> float:
        """The 1:N operating point for a candidate compared on ``fingers`` fingers: the sum of scores grows
        with the number of fingers, for strangers as for mates, so the threshold does too."""
        fingers = max(1, min(10, fingers))
        return self.threshold_one + (self.threshold - self.threshold_one) * (fingers - 1) / 9

    def verify(
        self, probe: Mapping[int, FingerTemplate], enrolled: Mapping[int, FingerTemplate]
    ) -> Verification:
        """1:1: the sum of Bozorth3 scores of the fingers present in both, against the 1:1 operating point
        for that many fingers."""
        probe, enrolled = _checked(probe), _checked(enrolled)
        common = sorted(set(probe) & set(enrolled))
        score = float(sum(self.matcher.compare(probe[p], enrolled[p]) for p in common))
        return Verification(score, bool(common) and score >= self.verify_threshold(len(common)), len(common))

    def verify_threshold(self, fingers: int) -> float:
        one, ten = self.verify_thresholds
        fingers = max(1, min(10, fingers))
        return one + (ten - one) * (fingers - 1) / 9


def _checked(templates: Mapping[int, FingerTemplate]) -> dict[int, FingerTemplate]:
    fingers = {}
    for position, template in templates.items():
        check_position(position)
        if not isinstance(template, FingerTemplate) or template.position != position:
            raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail=f"finger {position}")
        fingers[int(position)] = template
    return fingers
