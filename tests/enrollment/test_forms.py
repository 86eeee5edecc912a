"""The printed forms of an application through the API: CC01, CC02, and CC03 for a rejected one."""

import io

import pytest
from pypdf import PdfReader

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.enrollment.models import Application
from cancuoc.enrollment.processing import process_pending
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_capture_sheet_and_appointment_slip(client, officers, station, world, portrait_b64, ten_prints):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Đặng", middle_name="Thị", given_name="Huệ",
                             sex="F")  # fmt: skip
    client.force_login(officers["thai_thuy"])
    payload = {"id_number": citizen.id_number, "kind": "first", "portrait": portrait_b64,
               "fingerprints": {k: v for k, v in ten_prints(7).items() if k != "4"}, "finger_exceptions": {"4": "bandaged"}}  # fmt: skip
    code = client.post("/api/v1/applications", payload, content_type="application/json",
                       headers={"Idempotency-Key": "forms"}).json()["code"]  # fmt: skip
    process_pending()
    sheet = text_of(client.get(f"/api/v1/applications/{code}/capture-sheet.pdf"))
    assert "Đặng Thị Huệ" in sheet and code in sheet and citizen.id_number in sheet and "CC01" in sheet
    assert "băng" in sheet.lower()  # the exception of finger 4 is printed, not a print
    slip = text_of(client.get(f"/api/v1/applications/{code}/appointment-slip.pdf"))
    application = Application.objects.get(code=code)
    assert application.return_date.strftime("%d/%m/%Y") in slip and "CC02" in slip
    assert AuditEntry.objects.filter(event=Event.APPLICATION_FORM_PRINTED).count() == 2
    not_rejected = client.get(f"/api/v1/applications/{code}/refusal-notice.pdf")
    assert not_rejected.status_code == 409


def test_refusal_notice_of_a_rejected_application(client, officers, station, world, portrait_b64, ten_prints):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    prints = ten_prints(8)
    # the right thumb captured again into the index finger's slot: another image of the same finger
    payload = {"id_number": citizen.id_number, "kind": "first", "portrait": portrait_b64,
               "fingerprints": {**prints, "2": ten_prints(8, 2)["1"]}}  # fmt: skip
    code = client.post("/api/v1/applications", payload, content_type="application/json",
                       headers={"Idempotency-Key": "refused"}).json()["code"]  # fmt: skip
    process_pending()
    assert Application.objects.get(code=code).stage == "rejected"
    notice = text_of(client.get(f"/api/v1/applications/{code}/refusal-notice.pdf"))
    assert "CC03" in notice and code in notice
