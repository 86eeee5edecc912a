"""Public booking (enrollment.booking): slots opened by a supervisor, booked and cancelled by a citizen who
proves who they are with the ID number and date of birth; the last place goes to one booking only, also
when two connections ask at the same moment (PostgreSQL)."""

import re
import threading
import time as clock
from datetime import date, time, timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cancuoc.accounts.models import Role
from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.audit.models import AuditEntry
from cancuoc.enrollment import booking
from cancuoc.enrollment.errors import EnrollmentError
from cancuoc.enrollment.errors import EnrollmentErrorCode as Code
from cancuoc.enrollment.models import Application, Appointment, AppointmentSlot
from tests.factories import CitizenFactory, UserFactory

BORN = date(1990, 3, 15)


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def citizen(world):
    return CitizenFactory(id_number="034090000001", birth_date=BORN, permanent_unit=world.thai_thuy)


@pytest.fixture
def slots(station):
    """Two slots tomorrow, 08:00 and 08:30, one place each."""
    return booking.open_slots(None, station, tomorrow(), start=time(8), end=time(9), minutes=30, capacity=1)


def booked_count(slot) -> int:
    return AppointmentSlot.objects.get(pk=slot.pk).booked


def refused(code: Code, call, *args):
    with pytest.raises(EnrollmentError) as raised:
        call(*args)
    assert raised.value.code == code
    return raised.value


# -- opening slots --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_open_slots_makes_the_days_slots_in_local_time_and_is_audited(station, officers):
    day = tomorrow()
    opened = booking.open_slots(officers["hung_yen"], station, day, start=time(7, 30), end=time(9), minutes=30,
                                capacity=3)  # fmt: skip
    local = [timezone.localtime(s.starts_at) for s in opened]
    assert [(t.date(), t.strftime("%H:%M")) for t in local] == [
        (day, "07:30"),
        (day, "08:00"),
        (day, "08:30"),
    ]
    assert {s.capacity for s in opened} == {3} and {s.booked for s in opened} == {0}
    entry = AuditEntry.objects.filter(event="station_changed", object_id=station.code).latest("sequence")
    assert entry.actor_username == "supervisor_hung_yen" and "slots opened" in entry.reason


@pytest.mark.django_db
def test_opening_again_keeps_the_existing_slots_and_their_bookings(station, slots, citizen):
    booking.book(citizen.id_number, BORN, slots[0].pk)
    again = booking.open_slots(None, station, tomorrow(), start=time(8), end=time(10), minutes=30, capacity=5)
    assert [(s.capacity, s.booked) for s in again] == [(1, 1), (1, 0), (5, 0), (5, 0)]


@pytest.mark.django_db
def test_only_a_supervisor_of_the_area_opens_slots(station, officers, world):
    with pytest.raises(PermissionDenied):
        booking.open_slots(officers["thai_thuy"], station, tomorrow())
    elsewhere = UserFactory(username="supervisor_ha_noi", role=Role.SUPERVISOR, unit=world.ha_noi)
    with pytest.raises(NotFound):  # the station lies outside their area: not theirs to see
        booking.open_slots(elsewhere, station, tomorrow())
    assert not AppointmentSlot.objects.exists()


@pytest.mark.django_db
def test_a_past_day_or_an_empty_range_is_refused(station):
    refused(
        Code.DATE_INVALID, lambda: booking.open_slots(None, station, timezone.localdate() - timedelta(days=1))
    )
    refused(
        Code.DATE_INVALID, lambda: booking.open_slots(None, station, tomorrow(), start=time(9), end=time(9))
    )
    assert not AppointmentSlot.objects.exists()


# -- booking -------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_booking_takes_a_place_and_is_audited(slots, citizen):
    appointment = booking.book(citizen.id_number, BORN, slots[0].pk)
    assert appointment.status == Appointment.Status.BOOKED and appointment.citizen == citizen
    assert len(appointment.code) == 14 and appointment.code.isalnum()
    assert booked_count(slots[0]) == 1
    entry = AuditEntry.objects.get(event="appointment_booked")
    assert (entry.object_id, entry.changes["appointment"]) == (citizen.id_number, appointment.code)
    assert booking.free_slots(slots[0].station, tomorrow()) == [slots[1]]


@pytest.mark.django_db
def test_codes_are_not_guessable_from_one_another(slots, world):
    codes = set()
    for n in range(2):
        person = CitizenFactory(id_number=f"03409000010{n}", birth_date=BORN, permanent_unit=world.thai_thuy)
        codes.add(booking.book(person.id_number, BORN, slots[n].pk).code)
    first, second = sorted(codes)
    assert first[:6] == second[:6] and first[6:] != second[6:]  # the day, then 8 random characters


@pytest.mark.django_db
def test_a_full_slot_is_refused_and_nothing_is_written(slots, citizen, world):
    booking.book(citizen.id_number, BORN, slots[0].pk)
    other = CitizenFactory(id_number="034090000002", birth_date=BORN, permanent_unit=world.thai_thuy)
    entries = AuditEntry.objects.count()
    refused(Code.SLOT_FULL, booking.book, other.id_number, BORN, slots[0].pk)
    assert booked_count(slots[0]) == 1
    assert not Appointment.objects.filter(citizen=other).exists()
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_second_booking_of_the_same_citizen_is_refused(slots, citizen):
    first = booking.book(citizen.id_number, BORN, slots[0].pk)
    error = refused(Code.APPOINTMENT_EXISTS, booking.book, citizen.id_number, BORN, slots[1].pk)
    # the citizen recognises their code; whoever typed someone else's number learns too little to cancel it
    assert first.code[:6] in error.message_vi and first.code[-2:] in error.message_vi
    assert first.code not in error.message_vi
    assert booked_count(slots[1]) == 0 and Appointment.objects.count() == 1


@pytest.mark.django_db
def test_a_booking_whose_day_passed_does_not_block_a_new_one(slots, citizen, station):
    yesterday = AppointmentSlot.objects.create(station=station, capacity=1, booked=1,
                                               starts_at=timezone.now() - timedelta(days=1, hours=1))  # fmt: skip
    missed = Appointment.objects.create(code="261130AAAAAAAA", citizen=citizen, slot=yesterday)
    today = AppointmentSlot.objects.create(station=station, capacity=1, booked=1,
                                           starts_at=timezone.localtime().replace(hour=0, minute=5))  # fmt: skip
    booking.book(citizen.id_number, BORN, slots[0].pk)
    missed.refresh_from_db()
    assert missed.status == Appointment.Status.CANCELLED
    assert AuditEntry.objects.filter(event="appointment_cancelled", changes__appointment=missed.code).exists()
    # one from earlier today still holds: the citizen may yet come
    booking.cancel(Appointment.objects.get(status="booked").code, citizen.id_number, BORN)
    late = Appointment.objects.create(code="261202BBBBBBBB", citizen=citizen, slot=today)
    refused(Code.APPOINTMENT_EXISTS, booking.book, citizen.id_number, BORN, slots[1].pk)
    late.refresh_from_db()
    assert late.status == Appointment.Status.BOOKED


@pytest.mark.django_db
def test_an_unknown_a_past_or_a_closed_slot_is_refused(slots, citizen, station):
    refused(Code.SLOT_UNKNOWN, booking.book, citizen.id_number, BORN, 999999)
    refused(Code.SLOT_UNKNOWN, booking.book, citizen.id_number, BORN, "1; DROP TABLE")
    past = AppointmentSlot.objects.create(
        station=station, starts_at=timezone.now() - timedelta(hours=1), capacity=5
    )
    refused(Code.SLOT_UNKNOWN, booking.book, citizen.id_number, BORN, past.pk)
    station.active = False
    station.save()
    refused(Code.SLOT_UNKNOWN, booking.book, citizen.id_number, BORN, slots[0].pk)
    assert not Appointment.objects.exists() and booked_count(slots[0]) == 0


@pytest.mark.django_db
def test_a_wrong_birth_date_and_an_unknown_number_look_the_same(slots, citizen):
    wrong_date = refused(
        Code.IDENTITY_NOT_PROVEN, booking.book, citizen.id_number, date(1990, 3, 16), slots[0].pk
    )
    unknown = refused(Code.IDENTITY_NOT_PROVEN, booking.book, "034090999999", BORN, slots[0].pk)
    garbage = refused(Code.IDENTITY_NOT_PROVEN, booking.book, "03409\x00", BORN, slots[0].pk)
    assert wrong_date.as_dict() == unknown.as_dict() == garbage.as_dict()
    # the same work for both: each probe leaves one refused-lookup entry, and nothing else
    probes = AuditEntry.objects.filter(event="citizen_lookup_refused", reason="public booking").order_by(
        "sequence"
    )
    assert [p.object_id for p in probes] == [citizen.id_number, "034090999999", "03409\\x00"]
    assert not Appointment.objects.exists() and booked_count(slots[0]) == 0


def work_of(call, monkeypatch) -> tuple[list[str], int]:
    """What a refused call did: the SQL it ran with its values blanked, and how many encrypted values it
    opened (decrypting costs time too)."""
    from cancuoc.protection import crypto

    opened, real_open = [], crypto.open_sealed
    monkeypatch.setattr(crypto, "open_sealed", lambda *args: opened.append(1) or real_open(*args))
    with CaptureQueriesContext(connection) as queries, pytest.raises(EnrollmentError):
        call()
    monkeypatch.setattr(crypto, "open_sealed", real_open)
    blank = r"'[^']*'|\"s\d+_x\d+\"|\b\d+(\.\d+)?\b"  # values, savepoint names, numbers
    return [re.sub(blank, "?", q["sql"]) for q in queries.captured_queries], len(opened)


@pytest.mark.django_db
def test_every_refusal_of_identity_does_the_same_work(slots, citizen, station, officers, monkeypatch):
    """No shortcut tells a wrong date of birth from a number, or a code, that does not exist: the same
    statements run, and no encrypted field of the existing record is opened."""
    wrong_date = work_of(lambda: booking.book(citizen.id_number, date(1990, 3, 16), slots[0].pk), monkeypatch)
    assert wrong_date == work_of(lambda: booking.book("034090999999", BORN, slots[0].pk), monkeypatch)
    assert any("INSERT" in sql for sql in wrong_date[0]) and wrong_date[1] == 0, "audited either way"
    appointment = booking.book(citizen.id_number, BORN, slots[0].pk)
    wrong_date = work_of(
        lambda: booking.cancel(appointment.code, citizen.id_number, date(1990, 3, 16)), monkeypatch
    )
    assert wrong_date == work_of(
        lambda: booking.cancel("261231ZZZZZZZZ", citizen.id_number, BORN), monkeypatch
    )
    assert wrong_date[1] == 0
    Application.objects.create(code="261201ABCDEFGH", citizen=citizen, station=station, unit_path=station.unit.path,
                               kind="first", created_by=officers["thai_thuy"], idempotency_key="k", request_digest="d")  # fmt: skip
    wrong_date = work_of(lambda: booking.application_status("261201ABCDEFGH", date(1990, 3, 16)), monkeypatch)
    assert wrong_date == work_of(lambda: booking.application_status("261201ABCDEFGX", BORN), monkeypatch)
    assert len(wrong_date[0]) == 1 and wrong_date[1] == 0


@pytest.mark.django_db
def test_a_dead_or_merged_record_cannot_book(slots, citizen, world):
    citizen.date_of_death = date(2024, 1, 1)
    citizen.save()
    refused(Code.IDENTITY_NOT_PROVEN, booking.book, citizen.id_number, BORN, slots[0].pk)
    kept = CitizenFactory(id_number="034090000009", birth_date=BORN, permanent_unit=world.thai_thuy)
    merged = CitizenFactory(id_number="034090000008", birth_date=BORN, permanent_unit=world.thai_thuy,
                            merged_into=kept)  # fmt: skip
    refused(Code.IDENTITY_NOT_PROVEN, booking.book, merged.id_number, BORN, slots[0].pk)


# -- cancelling --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_cancelling_frees_the_place_once_and_is_audited(slots, citizen, world):
    appointment = booking.book(citizen.id_number, BORN, slots[0].pk)
    cancelled = booking.cancel(appointment.code.lower(), citizen.id_number, BORN)
    assert cancelled.status == Appointment.Status.CANCELLED and cancelled.cancelled_at is not None
    assert booked_count(slots[0]) == 0
    assert booking.cancel(appointment.code, citizen.id_number, BORN).status == Appointment.Status.CANCELLED
    assert booked_count(slots[0]) == 0, "a repeated cancel frees nothing more"
    assert AuditEntry.objects.filter(event="appointment_cancelled", object_id=citizen.id_number).count() == 1
    # the freed place can be booked again, by someone else or by the same citizen
    other = CitizenFactory(id_number="034090000002", birth_date=BORN, permanent_unit=world.thai_thuy)
    booking.book(other.id_number, BORN, slots[0].pk)
    booking.book(citizen.id_number, BORN, slots[1].pk)
    assert booked_count(slots[0]) == booked_count(slots[1]) == 1


@pytest.mark.django_db
def test_cancel_needs_the_code_the_number_and_the_birth_date_and_says_not_found_alike(slots, citizen, world):
    appointment = booking.book(citizen.id_number, BORN, slots[0].pk)
    other = CitizenFactory(id_number="034090000002", birth_date=BORN, permanent_unit=world.thai_thuy)
    answers = [
        refused(Code.APPOINTMENT_NOT_FOUND, booking.cancel, "251231ZZZZZZZZ", citizen.id_number, BORN),
        refused(Code.APPOINTMENT_NOT_FOUND, booking.cancel, appointment.code, other.id_number, BORN),
        refused(
            Code.APPOINTMENT_NOT_FOUND, booking.cancel, appointment.code, citizen.id_number, date(1990, 1, 1)
        ),
        refused(Code.APPOINTMENT_NOT_FOUND, booking.cancel, "' OR 1=1 --", citizen.id_number, BORN),
    ]
    assert len({str(a.as_dict()) for a in answers}) == 1
    assert Appointment.objects.get().status == Appointment.Status.BOOKED and booked_count(slots[0]) == 1


@pytest.mark.django_db
def test_an_appointment_that_started_cannot_be_cancelled(slots, citizen):
    appointment = booking.book(citizen.id_number, BORN, slots[0].pk)
    AppointmentSlot.objects.filter(pk=slots[0].pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    refused(Code.APPOINTMENT_NOT_FOUND, booking.cancel, appointment.code, citizen.id_number, BORN)
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


# -- the last place, two at once ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_over_capacity_is_refused_by_the_database_itself(slots):
    """Whatever code forgets the condition, the check constraint refuses more bookings than places."""
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentSlot.objects.filter(pk=slots[0].pk).update(booked=2)
    assert booked_count(slots[0]) == 0


@pytest.mark.django_db
def test_bookings_one_after_another_fill_exactly_the_capacity(station, world):
    (slot,) = booking.open_slots(None, station, tomorrow(), start=time(10), end=time(10, 15), minutes=15,
                                 capacity=3)  # fmt: skip
    outcomes = []
    for n in range(5):
        person = CitizenFactory(id_number=f"03409000020{n}", birth_date=BORN, permanent_unit=world.thai_thuy)
        try:
            booking.book(person.id_number, BORN, slot.pk)
            outcomes.append("booked")
        except EnrollmentError as error:
            outcomes.append(str(error.code))
    assert outcomes == ["booked"] * 3 + ["slot_full"] * 2
    assert booked_count(slot) == 3 == Appointment.objects.filter(slot=slot).count()


@pytest.mark.django_db
def test_the_place_is_taken_by_one_update_that_rechecks_on_the_slot_row_itself(slots, citizen):
    """PostgreSQL re-evaluates the WHERE of an UPDATE that waited for a row lock only on the locked row:
    a condition reached through a join of the slot table would keep its stale value."""
    with CaptureQueriesContext(connection) as queries:
        booking.book(citizen.id_number, BORN, slots[0].pk)
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "enrollment_appointmentslot"')
    ]
    assert len(updates) == 1
    where = updates[0].split(" WHERE ", 1)[1]
    assert '"enrollment_appointmentslot"."booked" < ("enrollment_appointmentslot"."capacity")' in where
    assert "JOIN" not in updates[0] and where.count("enrollment_appointmentslot") == where.count(
        '"enrollment_appointmentslot".'
    ), "no subquery over the slot table"


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as error:  # the test asserts on it
            results[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _holding_its_transaction(book, holding: threading.Event, release: threading.Event):
    """``book()`` inside a transaction kept open until ``release``: the first booking, not yet committed."""

    def run():
        with transaction.atomic():
            appointment = book()
            holding.set()
            release.wait(10)
        return appointment

    return run


def _postgres_station(world):
    from cancuoc.enrollment import actions

    return actions.create_station(None, code="CA-TT-09", name="Công an xã Thái Thụy", kind="fixed",
                                  unit=world.thai_thuy)  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_two_bookings_of_the_last_place_one_wins(flushable_audit_log, world):
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL (SQLite has one writer at a time)")
    (slot,) = booking.open_slots(None, _postgres_station(world), tomorrow(), start=time(8), end=time(8, 15),
                                 minutes=15, capacity=1)  # fmt: skip
    first, second = (CitizenFactory(id_number=f"03409000030{n}", birth_date=BORN, permanent_unit=world.thai_thuy)
                     for n in range(2))  # fmt: skip
    holding, release, results = threading.Event(), threading.Event(), {}
    one = _in_thread(_holding_its_transaction(lambda: booking.book(first.id_number, BORN, slot.pk), holding, release),
                     results, "first")  # fmt: skip
    assert holding.wait(10), results
    two = _in_thread(lambda: booking.book(second.id_number, BORN, slot.pk), results, "second")
    clock.sleep(0.5)
    assert two.is_alive(), "the second booking must wait for the first one's row lock on the slot"
    release.set()
    one.join(10)
    two.join(10)
    assert isinstance(results["first"], Appointment), results
    assert isinstance(results["second"], EnrollmentError) and results["second"].code == Code.SLOT_FULL, (
        results
    )
    assert booked_count(slot) == 1 == Appointment.objects.filter(slot=slot).count()
    assert not Appointment.objects.filter(citizen=second).exists()
    assert AuditEntry.objects.filter(event="appointment_booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_one_citizen_booking_two_slots_at_once_gets_one(flushable_audit_log, world):
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL (SQLite has one writer at a time)")
    early, late = booking.open_slots(None, _postgres_station(world), tomorrow(), start=time(8), end=time(9),
                                     minutes=30, capacity=4)  # fmt: skip
    person = CitizenFactory(id_number="034090000401", birth_date=BORN, permanent_unit=world.thai_thuy)
    holding, release, results = threading.Event(), threading.Event(), {}
    one = _in_thread(_holding_its_transaction(lambda: booking.book(person.id_number, BORN, early.pk), holding,
                                              release), results, "early")  # fmt: skip
    assert holding.wait(10), results
    two = _in_thread(lambda: booking.book(person.id_number, BORN, late.pk), results, "late")
    clock.sleep(0.5)
    assert two.is_alive(), "the second insert must wait for the first one's entry in the unique index"
    release.set()
    one.join(10)
    two.join(10)
    assert isinstance(results["early"], Appointment), results
    assert isinstance(results["late"], EnrollmentError) and results["late"].code == Code.APPOINTMENT_EXISTS, (
        results
    )
    # the place the loser had taken went back with its transaction
    assert (booked_count(early), booked_count(late)) == (1, 0)
    assert Appointment.objects.filter(citizen=person, status="booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_many_bookings_at_once_never_exceed_the_capacity(flushable_audit_log, world):
    if connection.vendor != "postgresql":
        pytest.skip("many connections at once: PostgreSQL")
    (slot,) = booking.open_slots(None, _postgres_station(world), tomorrow(), start=time(8), end=time(8, 15),
                                 minutes=15, capacity=2)  # fmt: skip
    people = [CitizenFactory(id_number=f"03409000050{n}", birth_date=BORN, permanent_unit=world.thai_thuy)
              for n in range(6)]  # fmt: skip
    results, start = {}, threading.Barrier(len(people))

    def attempt(person):
        start.wait(10)
        return booking.book(person.id_number, BORN, slot.pk)

    threads = [_in_thread(lambda p=p: attempt(p), results, p.id_number) for p in people]
    for thread in threads:
        thread.join(20)
    outcomes = sorted(
        "booked" if isinstance(r, Appointment) else str(getattr(r, "code", r)) for r in results.values()
    )
    assert outcomes == ["booked"] * 2 + ["slot_full"] * 4, results
    assert booked_count(slot) == 2 == Appointment.objects.filter(slot=slot).count()
