"""The citizen's pages without login: book (/dat-lich/), cancel (/dat-lich/huy/), the status of an
application (/tra-cuu/). Anonymous, CSRF on, the strict Content-Security-Policy, Vietnamese first with
English, one answer for "unknown" and "wrong date of birth", rate limits, audit entries."""

import re
from datetime import date, time, timedelta

import pytest
import segno
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.enrollment import booking
from cancuoc.enrollment.models import Application, Appointment, AppointmentSlot
from tests.factories import CitizenFactory
from tests.web.test_headers import REQUIRED_CSP, inspect, policy

pytestmark = pytest.mark.django_db
BORN = date(1990, 3, 15)
NUMBER = "034090000001"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the rate limiter counts in the cache
    yield
    cache.clear()


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def slots(station, day):
    return booking.open_slots(None, station, day, start=time(8), end=time(9), minutes=30, capacity=2)


@pytest.fixture
def citizen(world):
    return CitizenFactory(id_number=NUMBER, birth_date=BORN, permanent_unit=world.thai_thuy)


def choice(world, station, day) -> dict:
    return {"province": str(world.hung_yen.pk), "station": station.code, "day": day.isoformat()}


def refusal_of(response) -> str:
    found = re.search(
        r'<div class="error" role="alert" id="refusal">.*?</div>', response.content.decode(), re.S
    )
    assert found, response.content.decode()[:2000]
    return found.group(0)


def assert_strict_page(response):
    directives = policy(response)
    for name, sources in REQUIRED_CSP.items():
        assert directives.get(name) == sources, name
    found = inspect(response.content.decode())
    assert found.refused == [] and all(url.startswith("/static/") for url in found.loads), found.refused


# -- booking ----------------------------------------------------------------------------------------------------
def test_the_booking_page_opens_without_login_and_walks_province_station_day(
    client, world, station, slots, day
):
    first = client.get("/dat-lich/")
    assert first.status_code == 200 and "Tỉnh Hưng Yên" in first.content.decode()
    assert 'lang="en"' in first.content.decode() and "Đặt lịch làm thẻ căn cước" in first.content.decode()
    assert_strict_page(first)
    province = client.get("/dat-lich/", {"province": world.hung_yen.pk})
    # the only station of the province is chosen already; its days follow
    assert (
        station.name in province.content.decode()
        and f'value="{day.isoformat()}"' in province.content.decode()
    )
    full = client.get("/dat-lich/", choice(world, station, day))
    page = full.content.decode()
    assert_strict_page(full)
    assert 'name="id_number"' in page and "08:00" in page and "08:30" in page and "còn 2 chỗ" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert str(NUMBER) not in page


def test_a_changed_province_forgets_the_station_and_day(client, world, station, slots, day):
    page = client.get(
        "/dat-lich/", {**choice(world, station, day), "province": world.ha_noi.pk}
    ).content.decode()
    assert 'name="slot"' not in page and station.name not in page


def test_htmx_gets_only_the_steps(client, world, station, slots, day):
    response = client.get("/dat-lich/", choice(world, station, day), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="booking-steps"') and "<html" not in html
    assert "08:00" in html


def test_booking_through_the_page_shows_the_code_the_qr_and_how_to_cancel(client, world, station, slots, day,
                                                                          citizen):  # fmt: skip
    response = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk,
                                          "id_number": "0340 9000 0001", "birth_date": "15/03/1990"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/dat-lich/da-dat/"
    appointment = Appointment.objects.get()
    assert appointment.citizen == citizen and appointment.slot == slots[0]
    done = client.get("/dat-lich/da-dat/")
    page = done.content.decode()
    assert done.status_code == 200 and appointment.code in page
    assert_strict_page(done)
    expected_qr = segno.make(appointment.code, error="m", micro=False).svg_inline(
        scale=4, light="#fff", omitsize=True, svgclass="booking-qr", lineclass=None
    )
    assert expected_qr.split(">", 1)[1] in page, "the QR code encodes the appointment code"
    assert "/dat-lich/huy/" in page and "Mang theo" in page and "08:00" in page
    # someone else's browser, or the same address without the session, does not see it
    assert Client().get("/dat-lich/da-dat/").status_code == 302


def test_ddmmyyyy_without_slashes_is_a_date(client, world, station, slots, day, citizen):
    response = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                          "birth_date": "15031990"})  # fmt: skip
    assert response.status_code == 302


def test_unknown_number_and_wrong_birth_date_get_the_same_answer(client, world, station, slots, day, citizen):
    wrong = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                       "birth_date": "16/03/1990"})  # fmt: skip
    unknown = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk,
                                         "id_number": "034090999999", "birth_date": "15/03/1990"})  # fmt: skip
    assert wrong.status_code == unknown.status_code == 422
    assert refusal_of(wrong) == refusal_of(unknown)
    assert "Số định danh hoặc ngày sinh không đúng" in refusal_of(wrong)
    assert not Appointment.objects.exists()
    assert AuditEntry.objects.filter(event="citizen_lookup_refused", reason="public booking").count() == 2


def test_an_impossible_date_is_said_beside_its_field(client, world, station, slots, day, citizen):
    response = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                          "birth_date": "31/02/1990"})  # fmt: skip
    assert response.status_code == 422 and "31/02/1990 không phải là một ngày có thật" in refusal_of(response)
    assert re.search(r'id="f-birth_date"[^>]*aria-invalid="true"', response.content.decode())


def test_a_full_slot_and_a_second_booking_are_refused_with_the_page_kept(client, world, station, slots, day,
                                                                         citizen):  # fmt: skip
    AppointmentSlot.objects.filter(pk=slots[0].pk).update(booked=2)
    full = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                      "birth_date": "15/03/1990"})  # fmt: skip
    assert full.status_code == 409 and "đã kín chỗ" in refusal_of(full)
    assert f'value="{NUMBER}"' in full.content.decode(), "what the citizen typed is kept"
    assert client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[1].pk, "id_number": NUMBER,
                                      "birth_date": "15/03/1990"}).status_code == 302  # fmt: skip
    again = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[1].pk, "id_number": NUMBER,
                                       "birth_date": "15/03/1990"})  # fmt: skip
    assert again.status_code == 409 and "đã có lịch hẹn" in refusal_of(again)
    assert Appointment.objects.count() == 1


def test_csrf_stays_on_for_the_public_forms(world, station, slots, day, citizen):
    strict = Client(enforce_csrf_checks=True)
    for address, data in (("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                          "birth_date": "15/03/1990"}),
                          ("/dat-lich/huy/", {"code": "X", "id_number": NUMBER, "birth_date": "15/03/1990"}),
                          ("/tra-cuu/", {"code": "X", "birth_date": "15/03/1990"})):  # fmt: skip
        assert strict.post(address, data).status_code == 403, address
    assert not Appointment.objects.exists()
    # with the token from the page, the same client books
    page = strict.get("/dat-lich/", choice(world, station, day)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                          "birth_date": "15/03/1990", "csrfmiddlewaretoken": token})  # fmt: skip
    assert response.status_code == 302


# -- cancelling ---------------------------------------------------------------------------------------------------
def test_cancelling_through_the_page_frees_the_place(client, slots, citizen):
    assert client.get("/dat-lich/huy/").status_code == 200
    appointment = booking.book(NUMBER, BORN, slots[0].pk)
    wrong = client.post(
        "/dat-lich/huy/", {"code": appointment.code, "id_number": NUMBER, "birth_date": "01/01/1990"}
    )
    unknown = client.post(
        "/dat-lich/huy/", {"code": "261231ZZZZZZZZ", "id_number": NUMBER, "birth_date": "15/03/1990"}
    )
    assert wrong.status_code == unknown.status_code == 404 and refusal_of(wrong) == refusal_of(unknown)
    assert AppointmentSlot.objects.get(pk=slots[0].pk).booked == 1
    done = client.post("/dat-lich/huy/", {"code": appointment.code.lower(), "id_number": NUMBER,
                                          "birth_date": "15/03/1990"})  # fmt: skip
    assert done.status_code == 200 and f"Đã hủy lịch hẹn {appointment.code}" in done.content.decode()
    assert_strict_page(done)
    assert AppointmentSlot.objects.get(pk=slots[0].pk).booked == 0
    assert AuditEntry.objects.filter(event="appointment_cancelled").count() == 1


# -- status ----------------------------------------------------------------------------------------------------
def application(citizen, station, officer, **fields) -> Application:
    values = {"code": "261201ABCDEFGH", "citizen": citizen, "station": station, "unit_path": station.unit.path,
              "kind": "first", "created_by": officer, "idempotency_key": "k", "request_digest": "d",
              "return_date": date(2026, 12, 10), **fields}  # fmt: skip
    return Application.objects.create(**values)


@pytest.mark.parametrize(
    ("stage", "blocking", "detail", "words", "absent"),
    [
        ("completeness", "", "", "đang được kiểm tra tính đầy đủ", "034090000777"),
        ("adjudication", "demographic_candidates", "3", "Cán bộ đang kiểm tra thêm", "3 hồ sơ"),
        ("approval", "awaiting_approval", "", "đang chờ lãnh đạo phê duyệt", "Rejected"),
        ("ready_for_production", "approved", "ok", "thẻ căn cước của bạn đang được sản xuất", "Đang chờ"),
        ("rejected", "confirmed_duplicate", "034090000777", "không được chấp nhận", "034090000777"),
    ],
)
def test_the_status_page_says_the_stage_in_plain_words(client, station, officers, citizen, stage, blocking,
                                                       detail, words, absent):  # fmt: skip
    application(citizen, station, officers["thai_thuy"], stage=stage, blocking_code=blocking, blocking_detail=detail,
                is_open=stage not in ("rejected", "ready_for_production"))  # fmt: skip
    assert client.get("/tra-cuu/").status_code == 200
    response = client.post("/tra-cuu/", {"code": "261201abcdefgh", "birth_date": "15/03/1990"})
    page = response.content.decode()
    assert response.status_code == 200 and words in page, page[:3000]
    assert absent not in page, "no officer's detail (another person's number, counts) reaches the citizen"
    assert_strict_page(response)
    if stage != "rejected":
        assert "10/12/2026" in page and 'aria-current="step"' in page
    else:
        assert "10/12/2026" not in page and "liên hệ điểm thu nhận" in page
    assert AuditEntry.objects.filter(event="application_status_checked", object_id=NUMBER).count() == 1


def test_the_status_of_an_unknown_code_and_a_wrong_birth_date_look_the_same(
    client, station, officers, citizen
):
    application(citizen, station, officers["thai_thuy"])
    wrong = client.post("/tra-cuu/", {"code": "261201ABCDEFGH", "birth_date": "16/03/1990"})
    unknown = client.post("/tra-cuu/", {"code": "261201ABCDEFGX", "birth_date": "15/03/1990"})
    assert wrong.status_code == unknown.status_code == 404
    assert refusal_of(wrong) == refusal_of(unknown) and "Không tìm thấy hồ sơ" in refusal_of(wrong)
    assert not AuditEntry.objects.filter(event="application_status_checked").exists()


# -- rate limits ---------------------------------------------------------------------------------------------
def test_too_many_attempts_from_one_address_get_429(client, world, station, slots, day, citizen):
    answers = [client.post("/tra-cuu/", {"code": f"26120100000{n:03d}", "birth_date": "15/03/1990"}).status_code
               for n in range(11)]  # fmt: skip
    assert answers == [404] * 10 + [429]
    other_page = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                            "birth_date": "15/03/1990"})  # fmt: skip
    assert other_page.status_code == 302, "each page counts on its own"
    last = client.post("/tra-cuu/", {"code": "261201ABCDEFGH", "birth_date": "15/03/1990"})
    page = last.content.decode()
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert "Quá nhiều yêu cầu" in page and "Too many requests" in page
    assert_strict_page(last)
    # another address is not held back
    assert (
        client.post(
            "/tra-cuu/", {"code": "X1", "birth_date": "15/03/1990"}, REMOTE_ADDR="10.0.0.2"
        ).status_code
        == 404
    )


def test_one_id_number_is_limited_whatever_address_it_comes_from(client, world, station, slots, day, citizen):
    statuses = []
    for n in range(6):
        response = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                              "birth_date": f"{n + 1:02d}/01/1990"}, REMOTE_ADDR=f"10.0.1.{n}")  # fmt: skip
        statuses.append(response.status_code)
    assert statuses == [422] * 5 + [429]
    # the right date of birth now waits too: guessing on would otherwise go on from new addresses
    right = client.post("/dat-lich/", {**choice(world, station, day), "slot": slots[0].pk, "id_number": NUMBER,
                                       "birth_date": "15/03/1990"}, REMOTE_ADDR="10.0.2.1")  # fmt: skip
    assert right.status_code == 429 and not Appointment.objects.exists()
