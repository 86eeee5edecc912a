"""The station queue: booked citizens whose slot has come are called before walk-ins, a ticket is called
once even by two desks, and the page drives it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cancuoc.enrollment import queue
from cancuoc.enrollment.models import Appointment, AppointmentSlot, QueueTicket
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(world, station):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Hoa")
    slot = AppointmentSlot.objects.create(station=station, starts_at=timezone.now() - timedelta(minutes=5),
                                          capacity=4, booked=1)  # fmt: skip
    return Appointment.objects.create(code="APPT0001", citizen=citizen, slot=slot)


def test_booked_citizens_due_go_first_and_each_ticket_is_called_once(officers, station, booked):
    officer = officers["thai_thuy"]
    early = queue.walk_in(officer, station, name="Người đến trước")
    ticket = queue.check_in(officer, station, "appt0001")
    assert queue.check_in(officer, station, "APPT0001") == ticket  # checking in twice: one ticket
    assert Appointment.objects.get(pk=booked.pk).status == Appointment.Status.ATTENDED
    assert [t.pk for t in queue.waiting(station)] == [ticket.pk, early.pk]
    first, second = queue.call_next(officer, station), queue.call_next(officer, station)
    assert (first.pk, second.pk) == (ticket.pk, early.pk)
    assert queue.call_next(officer, station) is None
    assert QueueTicket.objects.filter(status="called").count() == 2


def test_outside_the_area_no_queue(officers, station):
    from cancuoc.accounts.permissions import NotFound

    with pytest.raises(NotFound):
        queue.walk_in(officers["ba_dinh"], station, name="x")


def test_the_queue_page(client, officers, station, booked):
    client.force_login(officers["thai_thuy"])
    client.post("/applications/queue/", {"action": "walk_in", "name": "Bà Tư"})
    client.post("/applications/queue/", {"action": "check_in", "appointment": "APPT0001"})
    page = client.get("/applications/queue/").content.decode()
    assert "Bà Tư" in page and "APPT0001" not in page
    called = client.post("/applications/queue/", {"action": "call"}).content.decode()
    assert f"?id={booked.citizen.id_number}" in called  # straight to the capture page for this citizen
    unknown = client.post("/applications/queue/", {"action": "check_in", "appointment": "NOPE"}, follow=True)
    assert unknown.status_code == 200
