"""Appointments at a station: a supervisor opens slots, a citizen books one without logging in and may
cancel it, proving who they are with their ID number and date of birth.

The slot's ``booked`` counter is raised by a conditional UPDATE (``booked < capacity``) in the same
transaction as the appointment's INSERT, so the database decides the race for the last place (a row lock
on PostgreSQL, the single writer on SQLite) and its constraints (``booked <= capacity``, one booked
appointment per citizen) refuse whatever slips past. A wrong date of birth and an unknown number get the
same error after the same work: one query, one comparison, one audit entry of the probe.

The citizen's other page without login, the status of an application (``application_status``), answers
"not found" alike for an unknown code and a wrong date of birth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, in_area, require_permission
from cancuoc.registry import events as registry_events
from cancuoc.registry.models import Citizen

from . import events
from .actions import new_code
from .errors import EnrollmentError
from .errors import EnrollmentErrorCode as Code
from .models import Appointment, AppointmentSlot, Station

Status = Appointment.Status
# Compared with when a number is unknown, so that a miss costs the same as a wrong date of birth.
_NOBODY_BORN = date(1, 1, 1)
# How far ahead a citizen may book, and the longest day a supervisor may open in one go.
BOOKING_HORIZON_DAYS = 30
MAX_SLOTS_PER_DAY = 24 * 60


# -- opening slots (supervisors; the system for the demo) ------------------------------------------------
def open_slots(actor, station: Station, day: date, *, start: time = time(7, 30), end: time = time(17, 0),
               minutes: int | None = None, capacity: int | None = None) -> list[AppointmentSlot]:  # fmt: skip
    """Open slots at ``station`` on ``day`` from ``start`` (included) to ``end`` (excluded), one every
    ``minutes`` (the station's slot length unless given), ``capacity`` places each (the station's unless
    given). Slots that already exist are kept as they are. Returns the day's slots, old and new."""
    if actor is not None:
        require_permission(actor, Verb.STATION_MANAGE)
        if not in_area(actor, Verb.STATION_MANAGE, station.unit.path):
            raise NotFound()
    minutes = station.slot_minutes if minutes is None else minutes
    capacity = station.slot_capacity if capacity is None else capacity
    if not (isinstance(minutes, int) and 1 <= minutes <= MAX_SLOTS_PER_DAY):
        raise ValueError("minutes must be a whole number from 1 to 1440")  # a caller's bug, not a citizen's
    if not (isinstance(capacity, int) and 1 <= capacity <= 32767):
        raise ValueError("capacity must be a whole number from 1 to 32767")
    if day < timezone.localdate():
        raise EnrollmentError(Code.DATE_INVALID, value=f"{day:%d/%m/%Y}")
    if not start < end:
        raise EnrollmentError(Code.DATE_INVALID, value=f"{start:%H:%M}–{end:%H:%M}")
    starts, at = [], _local(day, start)
    while at < _local(day, end):
        starts.append(at)
        at += timedelta(minutes=minutes)
    with transaction.atomic():
        existing = set(AppointmentSlot.objects.filter(station=station, starts_at__in=starts)
                       .values_list("starts_at", flat=True))  # fmt: skip
        new = [
            AppointmentSlot(station=station, starts_at=s, capacity=capacity)
            for s in starts
            if s not in existing
        ]
        # another supervisor opening the same day at the same moment: their slots stand, ours are skipped
        AppointmentSlot.objects.bulk_create(new, ignore_conflicts=True)
        events.station_changed(actor, station, what=(f"slots opened {day:%d/%m/%Y} {start:%H:%M}–{end:%H:%M}, "
                                                     f"every {minutes} min, {capacity} places, {len(new)} new"))  # fmt: skip
    return list(slots_of_day(station, day))


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return _local(day, time.min), _local(day + timedelta(days=1), time.min)


# -- reads for the public pages ----------------------------------------------------------------------------
def slots_of_day(station: Station, day: date):
    low, high = _day_bounds(day)
    return AppointmentSlot.objects.filter(station=station, starts_at__gte=low, starts_at__lt=high).order_by(
        "starts_at"
    )


def free_slots(station: Station, day: date) -> list[AppointmentSlot]:
    """The slots of ``day`` at ``station`` that have a place left and have not started yet."""
    if not station.active:
        return []
    return list(slots_of_day(station, day).filter(booked__lt=F("capacity"), starts_at__gt=timezone.now()))


def days_with_free_slots(station: Station, *, horizon: int = BOOKING_HORIZON_DAYS) -> list[date]:
    """The days from today to ``horizon`` days ahead on which ``station`` has a free slot."""
    if not station.active:
        return []
    now = timezone.now()
    starts = (AppointmentSlot.objects.filter(station=station, starts_at__gt=now, booked__lt=F("capacity"),
                                             starts_at__lt=_day_bounds(timezone.localdate() + timedelta(days=horizon))[0])
              .values_list("starts_at", flat=True))  # fmt: skip
    zone = timezone.get_current_timezone()
    return sorted({s.astimezone(zone).date() for s in starts})


@dataclass(frozen=True)
class Province:
    pk: int
    name: str
    stations: tuple[Station, ...]


def stations_by_province() -> list[Province]:
    """Active stations, grouped by the province their unit lies in (by name), each group by commune."""
    from cancuoc.units.models import AdministrativeUnit

    stations = list(Station.objects.select_related("unit").filter(active=True))
    top = {s.pk: int(s.unit.path.strip("/").split("/")[0]) for s in stations}
    names = dict(AdministrativeUnit.objects.filter(pk__in=set(top.values())).values_list("pk", "name"))
    grouped: dict[int, list[Station]] = {}
    for station in stations:
        grouped.setdefault(top[station.pk], []).append(station)
    return sorted(
        (Province(pk, names.get(pk, ""), tuple(sorted(group, key=lambda s: (s.unit.name, s.name, s.code))))
         for pk, group in grouped.items()),
        key=lambda p: p.name,
    )  # fmt: skip


# -- the citizen's actions -----------------------------------------------------------------------------------
def _proven_citizen(id_number, birth_date, *, where: str) -> int:
    """The primary key of the living, unmerged citizen with this number and date of birth;
    IDENTITY_NOT_PROVEN otherwise, whichever part was wrong, after the same work: one query of four plain
    columns (no encrypted field is decrypted for a record that exists), one comparison, one audit entry."""
    number = (
        id_number
        if isinstance(id_number, str) and len(id_number) == 12 and id_number.isascii() and id_number.isdigit()
        else ""
    )
    found = (Citizen.objects.filter(id_number=number)
             .values_list("pk", "birth_date", "date_of_death", "merged_into_id").first()) if number else None  # fmt: skip
    pk, born, died, merged_into = found or (None, _NOBODY_BORN, None, None)
    if not (born == birth_date and pk is not None and died is None and merged_into is None):
        registry_events.citizen_lookup_refused(None, id_number=number or repr(str(id_number))[1:-1][:40],
                                               where=where)  # fmt: skip
        raise EnrollmentError(Code.IDENTITY_NOT_PROVEN)
    return pk


def _masked(code: str) -> str:
    """An appointment code with its middle hidden: the owner recognises it, a prober learns nothing."""
    return code[:6] + "•" * (len(code) - 8) + code[-2:]


def book(id_number: str, birth_date: date, slot_id) -> Appointment:
    """Book the slot ``slot_id`` for the citizen who proves who they are with ``id_number`` and
    ``birth_date``. One booked appointment per citizen; a full or past slot is refused."""
    citizen_pk = _proven_citizen(id_number, birth_date, where="public booking")
    try:
        slot_pk = int(slot_id)
    except (TypeError, ValueError):
        raise EnrollmentError(Code.SLOT_UNKNOWN) from None
    _release_lapsed(citizen_pk)
    held = (
        Appointment.objects.filter(citizen_id=citizen_pk, status=Status.BOOKED)
        .values_list("code", flat=True)
        .first()
    )
    if held is not None:  # the common case, said without touching the slot; the constraint is the guard
        raise EnrollmentError(Code.APPOINTMENT_EXISTS, code=_masked(held))
    from .models import Application

    if Application.objects.filter(citizen_id=citizen_pk, is_open=True).exists():
        # an application is already in progress: a visit to the station would only be refused there
        raise EnrollmentError(Code.OPEN_APPLICATION_EXISTS, code=_masked(
            Application.objects.filter(citizen_id=citizen_pk, is_open=True).values_list("code", flat=True).first()))
    now = timezone.now()
    # No join in the UPDATE: PostgreSQL re-checks the WHERE of a row another transaction changed only on
    # that row; a condition reached through a join or a subquery of the same table would keep the value
    # it read before waiting (then only the check constraint would stop the over-booking).
    bookable = AppointmentSlot.objects.filter(
        pk=slot_pk, starts_at__gt=now, starts_at__lt=now + timedelta(days=BOOKING_HORIZON_DAYS + 1),
        station_id__in=Station.objects.filter(active=True).values("pk"),
    )  # fmt: skip
    try:
        with transaction.atomic():
            # Taken only while a place is left: a second booking of the last place waits for this row and
            # then finds it full (PostgreSQL re-checks the condition on the committed row).
            if not bookable.filter(booked__lt=F("capacity")).update(booked=F("booked") + 1):
                raise EnrollmentError(Code.SLOT_FULL if bookable.exists() else Code.SLOT_UNKNOWN)
            appointment = Appointment.objects.create(
                code=new_code(now), citizen_id=citizen_pk, slot_id=slot_pk
            )
            appointment = Appointment.objects.select_related("citizen", "slot__station__unit").get(
                pk=appointment.pk
            )
            events.appointment_booked(appointment)
    except IntegrityError:
        # the same citizen booked elsewhere at the same moment: theirs stands, the place taken here is given back
        held = (
            Appointment.objects.filter(citizen_id=citizen_pk, status=Status.BOOKED)
            .values_list("code", flat=True)
            .first()
        )
        if held is not None:
            raise EnrollmentError(Code.APPOINTMENT_EXISTS, code=_masked(held)) from None
        if not bookable.filter(booked__lt=F("capacity")).exists():  # the check constraint had the last word
            raise EnrollmentError(Code.SLOT_FULL) from None
        raise
    return appointment


def _release_lapsed(citizen_pk: int) -> None:
    """A booking whose day has passed without the citizen coming would hold their one booked appointment
    for ever: it ends (as cancelled, audited) when they book again. Same-day ones stay, for a late arrival."""
    midnight = _local(timezone.localdate(), time.min)
    lapsed = (Appointment.objects.select_related("citizen", "slot__station__unit")
              .filter(citizen_id=citizen_pk, status=Status.BOOKED, slot__starts_at__lt=midnight))  # fmt: skip
    for appointment in lapsed:
        with transaction.atomic():
            now = timezone.now()
            if Appointment.objects.filter(pk=appointment.pk, status=Status.BOOKED).update(
                status=Status.CANCELLED, cancelled_at=now
            ):
                appointment.status, appointment.cancelled_at = Status.CANCELLED, now
                events.appointment_cancelled(appointment)


def _code(code) -> str:
    """A typed code as stored (upper case, letters and digits), or "" for anything else."""
    wanted = code.strip().upper() if isinstance(code, str) and len(code) <= 32 else ""
    return wanted if wanted.isascii() and wanted.isalnum() else ""


def cancel(code: str, id_number: str, birth_date: date) -> Appointment:
    """Cancel a booked appointment that has not started, given its code and the citizen's ID number and
    date of birth; its place is freed. An unknown code, another person's code or a wrong date of birth
    all get APPOINTMENT_NOT_FOUND after the same query of plain columns. Cancelling twice returns the
    cancelled appointment unchanged."""
    wanted = _code(code)
    found = (Appointment.objects.filter(code=wanted)
             .values_list("pk", "citizen__id_number", "citizen__birth_date").first()) if wanted else None  # fmt: skip
    pk, number, born = found or (None, "", _NOBODY_BORN)
    if not (born == birth_date and number == id_number and pk is not None):
        raise EnrollmentError(Code.APPOINTMENT_NOT_FOUND)
    appointment = Appointment.objects.select_related("slot__station__unit").get(pk=pk)
    if appointment.status == Status.CANCELLED:
        return appointment
    if appointment.status == Status.ATTENDED or appointment.slot.starts_at <= timezone.now():
        raise EnrollmentError(Code.APPOINTMENT_NOT_FOUND)  # attended, started or past: nothing to cancel
    with transaction.atomic():
        now = timezone.now()
        # only the request that changes the status frees the place: a double submit frees one place, once
        if Appointment.objects.filter(pk=pk, status=Status.BOOKED).update(
            status=Status.CANCELLED, cancelled_at=now
        ):
            AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(
                booked=F("booked") - 1
            )
            appointment.status, appointment.cancelled_at = Status.CANCELLED, now
            events.appointment_cancelled(appointment)
        else:
            appointment.refresh_from_db(fields=["status", "cancelled_at"])
            if appointment.status != Status.CANCELLED:
                raise EnrollmentError(Code.APPOINTMENT_NOT_FOUND)
    return appointment


# -- the public status check ---------------------------------------------------------------------------------
def application_status(code: str, birth_date: date):
    """The application with this code, when ``birth_date`` is its citizen's; APPLICATION_NOT_FOUND
    otherwise, the same for an unknown code and a wrong date after the same query of plain columns.
    Audited when shown."""
    from .models import Application

    wanted = _code(code)
    found = (
        Application.objects.filter(code=wanted).values_list("pk", "citizen__birth_date").first()
        if wanted
        else None
    )
    pk, born = found or (None, _NOBODY_BORN)
    if not (born == birth_date and pk is not None):
        raise EnrollmentError(Code.APPLICATION_NOT_FOUND)
    application = Application.objects.select_related("citizen", "station__unit").get(pk=pk)
    events.status_checked(application)
    return application
