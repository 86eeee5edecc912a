"""Officer pages of enrollment: the list by stage, one application with its history, the approval form,
the duplicate side by side with both portraits, the portrait image (audited), throughput."""

import pytest

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.enrollment.models import Application
from cancuoc.enrollment.processing import process_pending
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def submit(client, citizen, portrait, prints, key):
    answer = client.post("/api/v1/applications", {"id_number": citizen.id_number, "kind": "first",
                                                  "portrait": portrait, "fingerprints": prints, "opened_at": None},
                         content_type="application/json", headers={"Idempotency-Key": key})  # fmt: skip
    assert answer.status_code == 201, answer.content
    return answer.json()["code"]


def test_list_detail_approve(client, officers, station, world, portrait_b64, ten_prints):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Phạm", given_name="Quỳnh")
    client.force_login(officers["thai_thuy"])
    code = submit(client, citizen, portrait_b64, ten_prints(9), "p1")
    process_pending()
    listing = client.get("/applications/?stage=approval")
    assert listing.status_code == 200 and code in listing.content.decode()
    page = client.get(f"/applications/{code}/").content.decode()
    assert (
        "Phạm" in page and "capture-sheet.pdf" in page and 'name="decision"' not in page
    )  # no approving here
    portrait = client.get(f"/applications/{code}/portrait.jpg")
    assert portrait.status_code == 200 and portrait.content.startswith(b"\xff\xd8")
    assert AuditEntry.objects.filter(event=Event.APPLICATION_VIEWED, changes__what="portrait").exists()
    client.force_login(officers["hung_yen"])
    page = client.get(f"/applications/{code}/").content.decode()
    assert 'name="decision"' in page
    client.post(f"/applications/{code}/decide/", {"decision": "approve", "reason": "đủ điều kiện"})
    assert Application.objects.get(code=code).stage == "ready_for_production"
    throughput = client.get("/applications/throughput/")
    assert throughput.status_code == 200 and station.name in throughput.content.decode()


def test_duplicate_side_by_side(client, officers, station, world, portrait_b64, ten_prints):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Mai", middle_name="Thị", sex="F")
    other = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Mai", middle_name="Thị", sex="F",
                           birth_date=citizen.birth_date)  # fmt: skip
    client.force_login(officers["thai_thuy"])
    code = submit(client, citizen, portrait_b64, ten_prints(10), "d1")
    process_pending()
    application = Application.objects.get(code=code)
    candidate = application.duplicates.get()
    assert (
        client.get(f"/applications/{code}/duplicates/{candidate.pk}/").status_code == 403
    )  # officers do not decide
    client.force_login(officers["hung_yen"])
    page = client.get(f"/applications/{code}/duplicates/{candidate.pk}/").content.decode()
    assert other.id_number in page and f"/applications/{code}/portrait.jpg" in page
    client.post(
        f"/applications/{code}/duplicates/{candidate.pk}/", {"same_person": "no", "reason": "khác cha mẹ"}
    )
    assert Application.objects.get(code=code).stage == "approval"


def test_other_area_sees_nothing(client, officers, station, world, portrait_b64, ten_prints):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    code = submit(client, citizen, portrait_b64, ten_prints(11), "o1")
    client.force_login(officers["ba_dinh"])
    assert code not in client.get("/applications/").content.decode()
    assert client.get(f"/applications/{code}/").status_code == 404
    assert client.get(f"/applications/{code}/portrait.jpg").status_code == 404


def test_a_supervisor_runs_stations(client, officers, world):
    from cancuoc.enrollment.models import AppointmentSlot, Shift, Station

    client.force_login(officers["thai_thuy"])
    assert client.get("/applications/stations/").status_code == 403
    client.force_login(officers["hung_yen"])
    client.post("/applications/stations/", {"action": "create", "code": "TT-LD", "name": "Tổ lưu động Thái Thụy",
                                            "kind": "mobile", "unit": world.thai_thuy.code})  # fmt: skip
    station = Station.objects.get(code="TT-LD")
    assert station.unit == world.thai_thuy and station.kind == "mobile"
    client.post(
        "/applications/stations/", {"action": "assign", "station": "TT-LD", "officer": "officer_thai_thuy"}
    )
    assert station.assignments.filter(officer=officers["thai_thuy"], current=True).exists()
    client.post(
        "/applications/stations/", {"action": "assign", "station": "TT-LD", "officer": "officer_ba_dinh"}
    )
    assert not station.assignments.filter(officer=officers["ba_dinh"]).exists()  # outside the area
    from django.utils import timezone

    day = (timezone.localdate() + timezone.timedelta(days=1)).strftime("%d/%m/%Y")
    client.post("/applications/stations/", {"action": "slots", "station": "TT-LD", "day": day})
    assert AppointmentSlot.objects.filter(station=station).count() > 10
    client.post("/applications/stations/", {"action": "shift", "station": "TT-LD", "day": day, "name": "Ca tối",
                                            "start": "18:00", "end": "22:00"})  # fmt: skip
    assert Shift.objects.get(station=station).officers.filter(pk=officers["thai_thuy"].pk).exists()
    bad = client.post("/applications/stations/", {"action": "slots", "station": "TT-LD", "day": "31/02/2027"},
                      follow=True)  # fmt: skip
    assert bad.status_code == 200 and "31/02/2027" in bad.content.decode()
    page = client.get("/applications/stations/").content.decode()
    assert "Tổ lưu động Thái Thụy" in page and "Ca tối" in page


def test_a_correction_asked_at_capture_is_approved_and_the_application_goes_on(client, officers, station, world,
                                                                                portrait_b64, ten_prints):  # fmt: skip
    from cancuoc.registry.actions.changes import request_change
    from cancuoc.registry.models import ChangeRequest

    citizen = CitizenFactory(permanent_unit=world.thai_thuy, given_name="Liên")
    request_change(officers["thai_thuy"], citizen, {"religion": "Phật giáo"}, reason="công dân khai lại tôn giáo")
    client.force_login(officers["thai_thuy"])
    code = submit(client, citizen, portrait_b64, ten_prints(13), "c1")
    process_pending()
    application = Application.objects.get(code=code)
    assert (application.stage, application.blocking_code) == ("completeness", "change_request_pending")
    assert client.get(f"/citizens/{citizen.id_number}/").status_code == 200  # the record shows the request
    client.force_login(officers["hung_yen"])
    page = client.get("/citizens/changes/").content.decode()
    assert "Phật giáo" in page and "Liên" in page
    change = ChangeRequest.objects.get(citizen=citizen)
    client.post(f"/citizens/changes/{change.pk}/", {"decision": "approve", "reason": "đã đối chiếu giấy tờ"})
    citizen.refresh_from_db()
    assert citizen.religion == "Phật giáo" and ChangeRequest.objects.get(pk=change.pk).status == "approved"
    process_pending()
    assert Application.objects.get(code=code).stage == "approval"


def test_nobody_approves_their_own_correction(client, officers, world):
    from cancuoc.registry.actions.changes import request_change

    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    change = request_change(officers["hung_yen"], citizen, {"religion": "Công giáo"}, reason="x")
    client.force_login(officers["hung_yen"])
    answer = client.post(f"/citizens/changes/{change.pk}/", {"decision": "approve", "reason": "y"}, follow=True)
    assert "tự duyệt" in answer.content.decode() or "themselves" in answer.content.decode()
    citizen.refresh_from_db()
    assert citizen.religion != "Công giáo"
