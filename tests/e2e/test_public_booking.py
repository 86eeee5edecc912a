"""A citizen books an appointment on a phone (390 px) through the public page, then cancels it; and the
same booking with scripts turned off. No login; the Content-Security-Policy reports no violation."""

from datetime import date, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from cancuoc.enrollment import actions, booking
from cancuoc.enrollment.models import Appointment, AppointmentSlot
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def open_station(world):
    cache.clear()  # the rate limiter counts in the cache
    station = actions.create_station(None, code="CA-TT-01", name="Công an xã Thái Thụy", kind="fixed",
                                     unit=world.thai_thuy, address="Thôn Đông, xã Thái Thụy")  # fmt: skip
    day = timezone.localdate() + timedelta(days=2)
    booking.open_slots(None, station, day, start=time(8), end=time(9), minutes=30, capacity=1)
    CitizenFactory(id_number="034090000001", birth_date=date(1990, 3, 15), permanent_unit=world.thai_thuy)
    CitizenFactory(id_number="034190000002", birth_date=date(1991, 7, 2), permanent_unit=world.thai_thuy)
    yield station, day
    cache.clear()


def watch_policy(page) -> list[str]:
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip
    return violations


def test_book_and_cancel_on_a_phone(flushable_audit_log, browser, live_server, world, open_station):
    station, day = open_station
    page = browser.new_page(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    violations = watch_policy(page)
    page.goto(f"{live_server.url}/dat-lich/")
    assert page.locator("h1").inner_text().startswith("Đặt lịch làm thẻ căn cước")
    page.select_option("#f-province", label="Tỉnh Hưng Yên")  # htmx brings the station and its days
    page.wait_for_selector("#f-day")
    assert page.locator("#f-station").input_value() == station.code, "the province's only station is chosen"
    # The only day with free places is already chosen, with its slots shown: choosing it again swaps in a
    # fresh list, so the slot is ticked only once that answer has arrived (ticked earlier, the swap unticks it).
    with page.expect_response(lambda answer: "/dat-lich/" in answer.url and answer.request.method == "GET"):
        page.select_option("#f-day", day.isoformat())
    page.wait_for_selector("input[name=slot]")
    assert page.evaluate(SIDEWAYS) <= 0
    page.check("input[name=slot] >> nth=0")
    page.fill("#f-id_number", "034090000001")
    page.fill("#f-birth_date", "15/03/1990")
    page.click("button:has-text('Đặt lịch')")
    page.wait_for_url(f"{live_server.url}/dat-lich/da-dat/")
    code = page.locator("#appointment-code").inner_text().strip()
    assert Appointment.objects.get(code=code).slot.station == station
    assert page.locator("svg.booking-qr").is_visible()
    assert page.evaluate(SIDEWAYS) <= 0, "the confirmation fits the phone"

    page.click("a:has-text('Hủy lịch') >> nth=0")
    page.fill("#f-code", code.lower())
    page.fill("#f-id_number", "034090000001")
    page.fill("#f-birth_date", "15031990")
    page.click("button:has-text('Hủy lịch')")
    page.wait_for_selector(f"text=Đã hủy lịch hẹn {code}")
    assert Appointment.objects.get(code=code).status == "cancelled"
    assert violations == []


def test_booking_works_without_scripts(flushable_audit_log, browser, live_server, world, open_station):
    station, day = open_station
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/dat-lich/")
    page.select_option("#f-province", label="Tỉnh Hưng Yên")
    page.click("button:has-text('Xem giờ còn trống')")
    page.select_option("#f-day", day.isoformat())
    page.click("button:has-text('Xem giờ còn trống')")
    page.check("input[name=slot] >> nth=1")
    page.fill("#f-id_number", "034190000002")
    page.fill("#f-birth_date", "02/07/1991")
    page.click("button:has-text('Đặt lịch')")
    page.wait_for_url(f"{live_server.url}/dat-lich/da-dat/")
    assert AppointmentSlot.objects.filter(station=station, booked=1).count() == 1
    context.close()
