"""The enrollment API as the acceptance checks call it: intake with Idempotency-Key, the pipeline's
stages, maker-checker approval, duplicates found demographically and by fingerprints, area and bad input."""

import base64

import pytest

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.biometrics.models import BiometricCapture
from cancuoc.enrollment.models import Application
from cancuoc.enrollment.processing import process_pending
from cancuoc.registry.models import QualityFlag
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications"


def body(citizen, portrait, prints, **extra):
    return {"id_number": citizen.id_number, "kind": "first", "reason": "", "portrait": portrait,
            "fingerprints": prints, **extra}  # fmt: skip


def post(client, payload, key="k-1"):
    return client.post(URL, payload, content_type="application/json", headers={"Idempotency-Key": key})


@pytest.fixture
def officer(client, officers, station):
    client.force_login(officers["thai_thuy"])
    return client


@pytest.fixture
def citizen(world):
    return CitizenFactory(permanent_unit=world.thai_thuy, given_name="Lan", middle_name="Thị", sex="F")


def test_intake_repeat_and_conflict(officer, citizen, portrait_b64, ten_prints):
    first = post(officer, body(citizen, portrait_b64, ten_prints(1)))
    assert first.status_code == 201, first.content
    code = first.json()["code"]
    assert first.json()["stage"] == "completeness" and first.json()["return_date"]
    again = post(officer, body(citizen, portrait_b64, ten_prints(1)))
    assert again.status_code == 200 and again.json()["code"] == code
    other_content = post(officer, body(citizen, portrait_b64, ten_prints(2)))
    assert other_content.status_code == 409 and other_content.json()["code"] == "idempotency_key_reused"
    second = post(officer, body(citizen, portrait_b64, ten_prints(1)), key="k-2")
    assert second.status_code == 409 and second.json()["code"] == "open_application_exists"
    assert code in second.json()["message_vi"]
    assert Application.objects.count() == 1 and BiometricCapture.objects.count() == 1
    stored = bytes(BiometricCapture.objects.get().raw_images)
    assert stored.startswith(b"E1") and base64.b64decode(portrait_b64)[:64] not in stored


def test_pipeline_to_approval_and_maker_checker(client, officer, officers, citizen, portrait_b64, ten_prints):
    code = post(officer, body(citizen, portrait_b64, ten_prints(1))).json()["code"]
    process_pending()
    shown = officer.get(f"{URL}/{code}").json()
    assert shown["stage"] == "approval", shown
    assert [h["stage"] for h in shown["history"]] == [
        "completeness",
        "demographic_check",
        "biometric_check",
        "approval",
    ]
    assert shown["blocking_code"] == "awaiting_approval" and shown["blocking_reason_en"]
    refused = officer.post(f"{URL}/{code}/decision", {"decision": "approve", "reason": "ok"},
                           content_type="application/json")  # fmt: skip
    assert refused.status_code == 403  # a commune officer does not approve
    client.force_login(officers["hung_yen"])
    approved = client.post(f"{URL}/{code}/decision", {"decision": "approve", "reason": "hồ sơ đầy đủ"},
                           content_type="application/json")  # fmt: skip
    assert approved.status_code == 200 and approved.json()["stage"] == "ready_for_production"
    twice = client.post(f"{URL}/{code}/decision", {"decision": "approve", "reason": "again"},
                        content_type="application/json")  # fmt: skip
    assert twice.status_code == 409
    events = set(AuditEntry.objects.filter(object_id=citizen.id_number).values_list("event", flat=True))
    assert {Event.APPLICATION_SUBMITTED, Event.APPLICATION_STAGE_CHANGED, Event.APPLICATION_DECIDED,
            Event.APPLICATION_VIEWED} <= events  # fmt: skip


def test_a_supervisor_may_not_approve_their_own_capture(client, officers, world, portrait_b64, ten_prints):
    from cancuoc.enrollment.actions import assign_officer, create_station

    station = create_station(None, code="HY-01", name="Công an tỉnh", kind="fixed", unit=world.hung_yen)
    assign_officer(None, station, officers["hung_yen"])
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["hung_yen"])
    code = post(client, body(citizen, portrait_b64, ten_prints(3))).json()["code"]
    process_pending()
    own = client.post(
        f"{URL}/{code}/decision", {"decision": "approve", "reason": "x"}, content_type="application/json"
    )
    assert own.status_code == 403 and own.json()["code"] == "own_capture"


def test_demographic_duplicate_is_adjudicated_and_flagged(client, officer, officers, world, citizen, portrait_b64,
                                                          ten_prints):  # fmt: skip
    twin_record = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Lan", middle_name="Thị", sex="F",
                                 birth_date=citizen.birth_date, old_id_number="")  # fmt: skip
    code = post(officer, body(citizen, portrait_b64, ten_prints(4))).json()["code"]
    process_pending()
    masked = officer.get(f"{URL}/{code}").json()
    assert masked["stage"] == "adjudication", masked["history"]
    # the officer who took it learns that there is a suspected duplicate, not whose record it is
    assert masked["duplicates"][0]["id_number"] == "" and masked["duplicates"][0]["full_name"] == ""
    client.force_login(officers["hung_yen"])
    shown = client.get(f"{URL}/{code}").json()
    assert shown["duplicates"][0]["id_number"] == twin_record.id_number
    candidate = shown["duplicates"][0]["id"]
    decided = client.post(f"{URL}/{code}/duplicates/{candidate}/decision",
                          {"same_person": True, "reason": "cùng một người, hai hồ sơ"},
                          content_type="application/json")  # fmt: skip
    assert decided.status_code == 200 and decided.json()["stage"] == "rejected"
    assert QualityFlag.objects.filter(citizen=citizen, code=QualityFlag.Code.SUSPECTED_DUPLICATE).exists()
    assert AuditEntry.objects.filter(event=Event.DUPLICATE_DECIDED).exists()


def test_different_people_go_on_to_the_biometric_check(client, officer, officers, world, citizen, portrait_b64,
                                                       ten_prints):  # fmt: skip
    CitizenFactory(permanent_unit=world.thai_thuy, given_name="Lan", middle_name="Thị", sex="F",
                   birth_date=citizen.birth_date)  # fmt: skip
    code = post(officer, body(citizen, portrait_b64, ten_prints(5))).json()["code"]
    process_pending()
    candidate = officer.get(f"{URL}/{code}").json()["duplicates"][0]["id"]
    client.force_login(officers["hung_yen"])
    decided = client.post(f"{URL}/{code}/duplicates/{candidate}/decision",
                          {"same_person": False, "reason": "khác cha mẹ"}, content_type="application/json")  # fmt: skip
    assert decided.json()["stage"] == "approval"


def test_the_same_fingers_under_another_record_are_found(client, officer, officers, world, citizen, portrait_b64,
                                                         ten_prints):  # fmt: skip
    code = post(officer, body(citizen, portrait_b64, ten_prints(6, 1))).json()["code"]
    process_pending()
    impostor = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Trần", given_name="Hùng")
    second = post(officer, body(impostor, portrait_b64, ten_prints(6, 2)), key="k-other").json()["code"]
    process_pending()
    assert officer.get(f"{URL}/{second}").json()["duplicates"][0]["application"] is None  # not for the officer
    client.force_login(officers["hung_yen"])
    shown = client.get(f"{URL}/{second}").json()
    assert shown["stage"] == "adjudication", shown
    assert shown["duplicates"][0]["kind"] == "biometric" and shown["duplicates"][0]["application"] == code


def test_out_of_area_looks_missing(client, officer, officers, citizen, portrait_b64, ten_prints):
    code = post(officer, body(citizen, portrait_b64, ten_prints(1))).json()["code"]
    client.force_login(officers["ba_dinh"])
    assert client.get(f"{URL}/{code}").status_code == 404
    assert client.get(f"{URL}/ZZZZZZZZZZZZZZ").status_code == 404
    assert client.get(f"{URL}/%00%27").status_code == 404


@pytest.mark.parametrize("change, status, code", [
    ({"portrait": "not base64!"}, 422, "image_not_base64"),
    ({"portrait": ""}, 422, "portrait_missing"),
    ({"kind": "renewal"}, 422, "kind_refused"),
    ({"kind": "nonsense"}, 422, "kind_refused"),
    ({"fingerprints": {}}, 422, "finger_slots"),
    ({"finger_exceptions": {"1": "lazy"}}, 422, "finger_exception_unknown"),
    ({"fingerprints": {"11": "aGVsbG8="}}, 422, "finger_position"),
    ({"fingerprints": {" 1": "aGVsbG8="}}, 422, "finger_position"),
    ({"portrait": "data:image/png;base64"}, 422, "portrait_missing"),
    ({"id_number": "000000000000"}, 404, "citizen_not_found"),
    ({"station": "NOPE"}, 422, "station_not_yours"),
])  # fmt: skip
def test_bad_requests_are_refused_and_nothing_is_written(officer, citizen, portrait_b64, ten_prints, change, status,
                                                         code):  # fmt: skip
    answer = post(officer, {**body(citizen, portrait_b64, ten_prints(1)), **change})
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code and answer.json()["message_vi"] and answer.json()["message_en"]
    assert not Application.objects.exists() and not BiometricCapture.objects.exists()


def test_a_missing_idempotency_key_is_refused(officer, citizen, portrait_b64, ten_prints):
    answer = officer.post(URL, body(citizen, portrait_b64, ten_prints(1)), content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency_key_missing"


def test_the_intake_takes_bodies_beyond_the_general_limit_and_refuses_huge_ones(officer, citizen, portrait_b64,
                                                                                ten_prints):  # fmt: skip
    import json

    payload = body(citizen, portrait_b64, ten_prints(1))
    raw = json.dumps({**payload, "padding": " " * 1_200_000})  # fingerprints of a real scanner are larger
    assert len(raw) > 1024 * 1024  # over the limit of every other JSON body
    accepted = officer.post(URL, raw, content_type="application/json", headers={"Idempotency-Key": "big"})
    assert accepted.status_code == 201, accepted.content
    huge = officer.post(URL, " " * (9 * 1024 * 1024), content_type="application/json",
                        headers={"Idempotency-Key": "huge"})  # fmt: skip
    assert huge.status_code == 413 and huge.json()["code"] == "too_large"


def test_a_record_written_without_diacritics_and_with_day_and_month_swapped_is_found(officer, officers, world,
                                                                                     portrait_b64, ten_prints):  # fmt: skip
    from datetime import date

    citizen = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Hoàng", middle_name="Thị", given_name="Lụa",
                             sex="F", birth_date=date(1987, 4, 9), old_id_number="151234567")  # fmt: skip
    legacy = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Huynh", middle_name="Thi", given_name="Lua",
                            sex="F", birth_date=date(1987, 9, 4), old_id_number="151234567")  # fmt: skip
    code = post(officer, body(citizen, portrait_b64, ten_prints(12))).json()["code"]
    process_pending()
    officer.force_login(officers["hung_yen"])
    shown = officer.get(f"{URL}/{code}").json()
    assert shown["stage"] == "adjudication", shown["history"]
    assert shown["duplicates"][0]["id_number"] == legacy.id_number
    assert shown["duplicates"][0]["reasons"]


def test_duplicate_decisions_are_maker_checker_and_strict(client, officers, world, portrait_b64, ten_prints):
    from cancuoc.enrollment.actions import assign_officer, create_station

    station = create_station(None, code="HY-02", name="Công an tỉnh", kind="fixed", unit=world.hung_yen)
    assign_officer(None, station, officers["hung_yen"])
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Cúc", sex="F")
    CitizenFactory(permanent_unit=world.thai_thuy, given_name="Cúc", sex="F", birth_date=citizen.birth_date)
    client.force_login(officers["hung_yen"])
    code = post(client, body(citizen, portrait_b64, ten_prints(14))).json()["code"]
    process_pending()
    candidate = client.get(f"{URL}/{code}").json()["duplicates"][0]["id"]
    own = client.post(f"{URL}/{code}/duplicates/{candidate}/decision", {"same_person": False, "reason": "x"},
                      content_type="application/json")  # fmt: skip
    assert own.status_code == 403 and own.json()["code"] == "own_capture"
    vague = client.post(f"{URL}/{code}/duplicates/{candidate}/decision", {"same_person": "yes", "reason": "x"},
                        content_type="application/json")  # fmt: skip
    assert vague.status_code == 422
    unknown = client.post(f"{URL}/{code}/duplicates/999999/decision", {"same_person": True, "reason": "x"},
                          content_type="application/json")  # fmt: skip
    assert unknown.status_code == 404
