"""The capture page through the Django test client: search, the kinds the rules allow, submit with its
Idempotency-Key, refusals that keep what was typed, corrections, area and role."""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cancuoc.biometrics.models import BiometricCapture
from cancuoc.enrollment.models import Application
from cancuoc.registry.models import ChangeRequest
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
PAGE = "/applications/capture/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _intake_only(settings):
    # the page's job ends when the application is queued; the pipeline has its own tests (test_api.py)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def officer(client, officers, station):
    client.force_login(officers["thai_thuy"])
    return client


@pytest.fixture
def citizen(world):
    return CitizenFactory(id_number="034190000123", permanent_unit=world.thai_thuy, family_name="Trần",
                          middle_name="Thị", given_name="Lan", sex="F", birth_date=date(1990, 5, 2))  # fmt: skip


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return (
        today.replace(year=today.year - years, day=min(today.day, 28))
        if today.month != 2
        else date(today.year - years, 2, 1)
    )


def options(html: str) -> list[str]:
    return re.findall(r'<option value="([a-z_]+:[a-z_]+)"', html)


def png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (32, 40), shade).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def portrait():
    return png(200)  # intake does not measure images (the page asked the checks, the pipeline measures)


@pytest.fixture
def ten_prints():
    return lambda person: {str(p): png(10 * p + person) for p in range(1, 11)}


def upload_body(citizen, portrait, prints, *, key="key-1", skip=(), **extra):
    body = {"id_number": citizen.id_number, "kind_reason": "first:mandatory_age", "idempotency_key": key,
            "opened_at": (timezone.now() - timezone.timedelta(minutes=2)).isoformat(),
            "portrait": SimpleUploadedFile("portrait.png", portrait, "image/png")}  # fmt: skip
    for position, data in prints.items():
        if int(position) not in skip:
            body[f"finger_{position}"] = SimpleUploadedFile(f"{position}.png", data, "image/png")
    return {**body, **extra}


def test_the_page_opens_with_a_fresh_key_the_search_box_focused_and_the_camera_allowed(officer):
    first, second = officer.get(PAGE), officer.get(PAGE)
    assert first.status_code == 200
    keys = [re.search(r'name="idempotency_key" id="cap-key" value="([0-9a-f]{32})"', r.text).group(1)
            for r in (first, second)]  # fmt: skip
    assert keys[0] != keys[1]  # each opening of the page (each citizen) is one application
    assert re.search(r'<input type="search" name="q" id="cap-q"[^>]* autofocus', first.text)
    assert "camera=(self)" in first["Permissions-Policy"]
    policy = first["Content-Security-Policy"]
    assert "img-src 'self' blob:" in policy and "unsafe-inline" not in policy  # previews of the images taken
    assert 'form="capture-form" name="opened_at"' in first.text


def test_twelve_digits_go_straight_to_the_record(officer, citizen):
    answer = officer.get(PAGE + "search/", {"q": citizen.id_number}, headers=HTMX)
    assert answer.status_code == 200 and answer["HX-Retarget"] == "#citizen"
    assert 'id="capture-form"' in answer.text and "Trần Thị Lan" in answer.text
    assert f'value="{citizen.id_number}"' in answer.text


def test_a_name_and_birth_year_give_a_ranked_list(officer, world, citizen):
    CitizenFactory(permanent_unit=world.thai_thuy, family_name="Trần", middle_name="Thị", given_name="Lan",
                   birth_date=date(1975, 1, 1), sex="F")  # fmt: skip
    CitizenFactory(permanent_unit=world.thai_thuy, family_name="Lê", middle_name="Văn", given_name="Lân")
    both = officer.get(PAGE + "search/", {"q": "tran thi lan"}, headers=HTMX)
    assert both.status_code == 200 and "HX-Retarget" not in both
    assert both.text.count('class="cap-hit"') == 2 and "Lê Văn Lân" not in both.text
    one = officer.get(PAGE + "search/", {"q": "Trần Thị Lan", "birth_year": "1990"}, headers=HTMX)
    hits = re.findall(r'hx-get="/applications/capture/citizen/(\d{12})/"', one.text)
    assert hits == [citizen.id_number]
    assert "02/05/1990" in one.text  # dd/mm/yyyy
    without_htmx = officer.get(PAGE + "search/", {"q": "tran thi lan"})
    assert 'id="cap-q"' in without_htmx.text and without_htmx.text.count('class="cap-hit"') == 2


def test_the_form_offers_only_the_kinds_the_rules_allow(officer, world, citizen):
    adult = officer.get(f"{PAGE}citizen/{citizen.id_number}/", headers=HTMX).text
    assert options(adult) == ["first:mandatory_age"]  # from 14 a card is compulsory, not "on request"
    assert 'value="first:mandatory_age" selected' in adult and adult.count('class="cap-finger"') == 10

    child = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=years_ago(10))
    child_page = officer.get(f"{PAGE}citizen/{child.id_number}/", headers=HTMX).text
    assert options(child_page) == ["first:on_request"] and 'value="first:on_request" selected' in child_page
    assert child_page.count('class="cap-finger"') == 10  # fingerprints from 6

    infant = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=years_ago(3))
    infant_page = officer.get(f"{PAGE}citizen/{infant.id_number}/", headers=HTMX).text
    assert options(infant_page) == ["first:on_request"]
    assert 'class="cap-finger"' not in infant_page and 'id="cap-portrait"' in infant_page

    foreigner = CitizenFactory(permanent_unit=world.thai_thuy, nationality="LAO")
    refused_page = officer.get(f"{PAGE}citizen/{foreigner.id_number}/", headers=HTMX).text
    assert options(refused_page) == [] and 'id="capture-form"' not in refused_page
    assert "không phải công dân Việt Nam" in refused_page


def test_a_holder_is_offered_replacement_and_reissue_not_a_first_card(
    officer, officers, world, station, citizen
):
    Application.objects.create(code="261201HOLDER01", citizen=citizen, station=station, unit_path=station.unit.path,
                               kind="first", reason_code="mandatory_age", stage="ready_for_production",
                               created_by=officers["thai_thuy"], idempotency_key="old", request_digest="x",
                               is_open=False)  # fmt: skip
    page = officer.get(f"{PAGE}citizen/{citizen.id_number}/", headers=HTMX).text
    offered = options(page)
    assert offered and not any(value.startswith("first:") for value in offered)
    assert "reissue:lost" in offered and "replacement:printed_data_wrong" in offered


def test_submit_creates_an_application_and_a_repeat_returns_it(officer, citizen, portrait, ten_prints):
    first = officer.post(PAGE + "submit/", upload_body(citizen, portrait, ten_prints(1)), headers=HTMX)
    assert first.status_code == 201, first.text
    application = Application.objects.get()
    assert application.code in first.text and application.citizen == citizen
    assert (application.kind, application.reason_code) == ("first", "mandatory_age")
    assert 110 <= application.capture_seconds <= 130  # opened two minutes before the submit
    assert f"/api/v1/applications/{application.code}/capture-sheet.pdf" in first.text
    assert f"/api/v1/applications/{application.code}/appointment-slip.pdf" in first.text
    assert 'href="/applications/capture/"' in first.text  # next citizen: the page afresh, a new key
    again = officer.post(PAGE + "submit/", upload_body(citizen, portrait, ten_prints(1)), headers=HTMX)
    assert again.status_code == 200 and application.code in again.text
    assert Application.objects.count() == 1 and BiometricCapture.objects.count() == 1


def test_a_refusal_keeps_what_was_entered(officer, citizen, portrait, ten_prints):
    body = upload_body(citizen, portrait, ten_prints(1), skip=(3,), exception_7="bandaged",
                       portrait_override_reason="Mắt kính phản quang, đã chụp lại ba lần")  # fmt: skip
    refused = officer.post(PAGE + "submit/", body)
    assert refused.status_code == 422
    slot = re.search(r'id="err-finger_3"[^>]*>(.*?)</div>', refused.text, re.S).group(1)
    assert "Ngón 3" in slot and "Finger 3" in slot  # beside the finger, both languages
    assert 'value="Mắt kính phản quang, đã chụp lại ba lần"' in refused.text
    assert re.search(r'<option value="bandaged" selected', refused.text)
    assert 'value="first:mandatory_age" selected' in refused.text
    assert 'name="idempotency_key" id="cap-key" value="key-1"' in refused.text  # the same key for the retry
    assert not Application.objects.exists() and not BiometricCapture.objects.exists()


def test_a_refusal_through_htmx_swaps_only_the_message(officer, citizen, portrait, ten_prints):
    body = upload_body(citizen, portrait, ten_prints(1), kind_reason="renewal:renewal_age")
    refused = officer.post(PAGE + "submit/", body, headers=HTMX)
    assert refused.status_code == 422 and refused["HX-Reswap"] == "none"
    assert re.search(r'id="err-kind"[^>]*hx-swap-oob="true"', refused.text)
    assert "chưa có thẻ" in refused.text and "has no card" in refused.text
    assert 'id="capture-form"' not in refused.text and not Application.objects.exists()


def test_a_correction_becomes_a_change_request_the_application_waits_for(officer, citizen):
    answer = officer.post(f"{PAGE}citizen/{citizen.id_number}/correct/",
                          {"given_name": "Lành", "correction_reason": "Giấy khai sinh ghi Lành"}, headers=HTMX)  # fmt: skip
    assert answer.status_code == 200
    change = ChangeRequest.objects.get()
    assert change.citizen == citizen and change.fields == ["given_name"]
    assert "supervisor" in answer.text or "lãnh đạo" in answer.text
    citizen.refresh_from_db()
    assert citizen.given_name == "Lan"  # unchanged until a supervisor approves
    page = officer.get(f"{PAGE}citizen/{citizen.id_number}/", headers=HTMX).text
    assert "cap-waits" in page
    no_reason = officer.post(
        f"{PAGE}citizen/{citizen.id_number}/correct/", {"given_name": "Lanh"}, headers=HTMX
    )
    assert no_reason.status_code == 422 and 'value="Lanh"' in no_reason.text
    assert ChangeRequest.objects.count() == 1


def test_an_officer_outside_the_area_finds_nothing(client, officers, citizen):
    client.force_login(officers["ba_dinh"])
    outside = client.get(f"{PAGE}citizen/{citizen.id_number}/", headers=HTMX)
    missing = client.get(f"{PAGE}citizen/034199999999/", headers=HTMX)
    assert outside.status_code == missing.status_code == 404
    assert client.get(PAGE, {"id": citizen.id_number}).status_code == 404
    search = client.get(PAGE + "search/", {"q": citizen.id_number}, headers=HTMX)
    assert "HX-Retarget" not in search and citizen.id_number not in search.text
    correct = client.post(f"{PAGE}citizen/{citizen.id_number}/correct/",
                          {"given_name": "X", "correction_reason": "r"}, headers=HTMX)  # fmt: skip
    assert correct.status_code == 404 and not ChangeRequest.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "production"])
def test_a_role_without_the_create_verb_is_refused(client, officers, citizen, role):
    client.force_login(officers[role])
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "search/", {"q": citizen.id_number}).status_code == 403
    assert client.get(f"{PAGE}citizen/{citizen.id_number}/").status_code == 403
    assert client.post(PAGE + "submit/", {"id_number": citizen.id_number}).status_code == 403
    assert not Application.objects.exists()


def test_a_refused_finger_is_named_beside_its_slot(officer, citizen, portrait, ten_prints):
    prints = ten_prints(1)
    prints["4"] = b"\x89PNG" + b"\0" * (2 * 1024 * 1024)  # over the intake's limit
    refused = officer.post(PAGE + "submit/", upload_body(citizen, portrait, prints), headers=HTMX)
    assert refused.status_code == 422
    assert re.search(r'id="err-finger_4"[^>]*hx-swap-oob="true"', refused.text)
    assert "fingerprints.4" in refused.text and not Application.objects.exists()
