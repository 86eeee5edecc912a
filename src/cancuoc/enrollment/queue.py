"""The officer's queue at a station: booked citizens check in (their appointment becomes a ticket), walk-ins
take a ticket; the officer calls the next one. Booked citizens whose slot has begun go before walk-ins who
arrived earlier (the booking is the point of booking); otherwise arrival order."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, in_area, require_permission

from . import events
from .errors import EnrollmentError
from .errors import EnrollmentErrorCode as Code
from .models import Appointment, QueueTicket


def _check(actor, station) -> None:
    require_permission(actor, Verb.APPLICATION_CREATE)
    if not in_area(actor, Verb.APPLICATION_CREATE, station.unit.path):
        raise NotFound()


def _next_number(station, day) -> int:
    return (QueueTicket.objects.filter(station=station, day=day).aggregate(n=Max("number"))["n"] or 0) + 1


def _take(station, **fields) -> QueueTicket:
    day = timezone.localdate()
    for _attempt in range(
        5
    ):  # two desks adding a ticket at the same moment: the second takes the next number
        try:
            with transaction.atomic():
                return QueueTicket.objects.create(
                    station=station, day=day, number=_next_number(station, day), **fields
                )
        except IntegrityError:
            continue
    raise EnrollmentError(Code.SLOT_FULL)


def check_in(actor, station, appointment_code: str) -> QueueTicket:
    """A booked citizen arrives: their appointment at this station becomes a ticket (once)."""
    _check(actor, station)
    appointment = (Appointment.objects.select_related("citizen", "slot__station")
                   .filter(code=str(appointment_code).strip().upper()[:16], slot__station=station)
                   .exclude(status=Appointment.Status.CANCELLED).first())  # fmt: skip
    if appointment is None:
        raise EnrollmentError(Code.APPOINTMENT_NOT_FOUND)
    existing = QueueTicket.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    day = timezone.localtime(appointment.slot.starts_at).date()
    if day != timezone.localdate():
        raise EnrollmentError(Code.APPOINTMENT_OTHER_DAY, code=appointment.code, day=f"{day:%d/%m/%Y}")
    with transaction.atomic():
        ticket = _take(
            station, citizen=appointment.citizen, appointment=appointment, name=appointment.citizen.full_name
        )
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.ATTENDED)
        events.station_changed(actor, station, what=f"checked in #{ticket.number} ({appointment.code})")
    return ticket


def walk_in(actor, station, *, name: str = "", citizen=None) -> QueueTicket:
    from .actions import clean_text

    _check(actor, station)
    name = clean_text(name, "name", 140)
    with transaction.atomic():
        ticket = _take(station, citizen=citizen, name=(citizen.full_name if citizen else name)[:140])
        events.station_changed(actor, station, what=f"walk-in #{ticket.number}")
    return ticket


def waiting(station, day=None) -> list[QueueTicket]:
    """The day's waiting tickets in calling order."""
    day = day or timezone.localdate()
    now = timezone.now()
    tickets = list(QueueTicket.objects.select_related("citizen", "appointment__slot")
                   .filter(station=station, day=day, status=QueueTicket.Status.WAITING))  # fmt: skip

    def order(ticket):
        due = ticket.appointment is not None and ticket.appointment.slot.starts_at <= now
        return (
            0 if due else 1,
            ticket.appointment.slot.starts_at if due else ticket.arrived_at,
            ticket.number,
        )

    return sorted(tickets, key=order)


def call_next(actor, station) -> QueueTicket | None:
    """The next waiting ticket, marked called by this officer; None when nobody waits."""
    _check(actor, station)
    with transaction.atomic():
        for ticket in waiting(station):
            # two desks calling at once: the row lock decides who gets this ticket; the other takes the next
            claimed = QueueTicket.objects.filter(pk=ticket.pk, status=QueueTicket.Status.WAITING).update(
                status=QueueTicket.Status.CALLED, called_at=timezone.now(), called_by=actor)  # fmt: skip
            if claimed:
                ticket.refresh_from_db()
                return ticket
    return None


def finish(actor, ticket: QueueTicket, *, absent: bool = False) -> None:
    _check(actor, ticket.station)
    QueueTicket.objects.filter(pk=ticket.pk).update(
        status=QueueTicket.Status.ABSENT if absent else QueueTicket.Status.DONE
    )
