"""The printed forms of an application (2024 rules): CC01 capture sheet, CC02 appointment slip, CC03
refusal notice — the application's records mapped onto ``cancuoc.forms``' inputs."""

from __future__ import annotations

from django.utils import timezone

from cancuoc.biometrics.actions import chip_portrait
from cancuoc.fingerprints.quality import FINGER_EXCEPTION_LABELS, FingerException
from cancuoc.forms import data as forms
from cancuoc.forms.cc01 import render_capture_sheet
from cancuoc.forms.cc02 import render_appointment_slip
from cancuoc.forms.cc03 import render_refusal_notice

from .errors import blocking_text
from .models import Application

KINDS = {"first": forms.ApplicationKind.FIRST_ISSUE, "renewal": forms.ApplicationKind.REPLACEMENT,
         "replacement": forms.ApplicationKind.REPLACEMENT, "reissue": forms.ApplicationKind.REISSUE}  # fmt: skip
def status_url() -> str:
    from django.conf import settings

    return f"{getattr(settings, 'CANCUOC_PUBLIC_URL', 'http://127.0.0.1:8000').rstrip('/')}/tra-cuu/"


def _unit_text(unit) -> str:
    return unit.full_name() if unit is not None else ""


def _person(citizen) -> forms.Person:
    def name(other):
        return other.full_name if other is not None else ""

    return forms.Person(
        full_name=citizen.full_name, id_number=citizen.id_number, birth_date=citizen.birth_date, sex=citizen.sex,
        birth_year_only=citizen.birth_date_precision == "year", old_id_number=citizen.old_id_number,
        birth_registration_place=_unit_text(citizen.birth_registration_unit),
        place_of_origin=_unit_text(citizen.origin_unit), ethnicity=citizen.ethnicity, religion=citizen.religion,
        permanent_residence=", ".join(filter(None, [citizen.permanent_address, _unit_text(citizen.permanent_unit)])),
        temporary_residence=", ".join(filter(None, [citizen.temporary_address, _unit_text(citizen.temporary_unit)])),
        father_name=name(citizen.father), mother_name=name(citizen.mother), spouse_name=name(citizen.spouse),
        representative_name=name(citizen.legal_representative),
    )  # fmt: skip


def _issuing_unit(application: Application) -> str:
    """The police of the station's unit (the commune police since 2025 take applications)."""
    return f"CÔNG AN {application.station.unit.name.upper()}"


def _officer(user) -> forms.Officer:
    return forms.Officer(full_name=user.get_full_name() or user.username)


def _station(application: Application) -> forms.Station:
    return forms.Station(name=application.station.name, address=application.station.address)


def _reason(application: Application) -> forms.Bilingual:
    from cancuoc.rules.applications import Reason

    from .views_capture import REASON_LABELS

    vi, en = REASON_LABELS.get(Reason(application.reason_code), (application.reason_code, "")) \
        if application.reason_code in set(Reason) else (application.reason_code, "")  # fmt: skip
    if application.reason:
        vi, en = f"{vi} — {application.reason}", f"{en} — {application.reason}" if en else ""
    return forms.Bilingual(vi, en)


def capture_sheet_pdf(application: Application) -> bytes:
    """Printed at the counter right after submitting: a capture not measured yet by the pipeline is measured
    here first (the same work, kept), so the sheet the citizen signs shows the portrait and the qualities."""
    from cancuoc.biometrics.actions import measure_submission

    capture = application.capture
    if capture.measured_at is None and capture.raw_images is not None:
        measure_submission(capture)
    fingers = []
    for position in range(1, 11):
        if str(position) in capture.finger_quality:
            fingers.append(forms.FingerSlot(position, quality=int(capture.finger_quality[str(position)])))
        elif str(position) in capture.finger_exceptions:
            vi, en = FINGER_EXCEPTION_LABELS[FingerException(capture.finger_exceptions[str(position)])]
            fingers.append(forms.FingerSlot(position, exception=forms.Bilingual(vi, en)))
    portrait = chip_portrait(capture) if capture.portrait is not None else None
    sheet = forms.CaptureSheet(
        application_code=application.code, person=_person(application.citizen), kind=KINDS[application.kind],
        reason=_reason(application), captured_at=timezone.localtime(application.submitted_at),
        station=_station(application), officer=_officer(application.created_by),
        issuing_unit=_issuing_unit(application), portrait_jpeg=portrait, fingers=tuple(fingers),
        fingerprints_waived=forms.Bilingual("Dưới 6 tuổi: không thu nhận vân tay", "Under 6: no fingerprints")
        if capture.fingerprints_waived else None,
    )  # fmt: skip
    return render_capture_sheet(sheet)


def appointment_slip_pdf(application: Application) -> bytes:
    slip = forms.AppointmentSlip(
        application_code=application.code, person=_person(application.citizen), kind=KINDS[application.kind],
        captured_on=timezone.localtime(application.submitted_at).date(), return_on=application.return_date,
        return_place=_station(application), officer=_officer(application.created_by),
        issuing_unit=_issuing_unit(application), status_url=status_url(),
    )  # fmt: skip
    return render_appointment_slip(slip)


def refusal_notice_pdf(application: Application) -> bytes:
    vi, en = (
        blocking_text(application.blocking_code, application.blocking_detail)
        if application.blocking_code
        else ("", "")
    )
    kind_vi = forms.APPLICATION_KIND_LABELS[KINDS[application.kind]]
    notice = forms.RefusalNotice(
        person=_person(application.citizen), request=kind_vi, reasons=(forms.Bilingual(vi, en),),
        issued_on=timezone.localdate(), issuing_unit=_issuing_unit(application),
        signer=_officer(application.decided_by or application.created_by), application_code=application.code,
    )  # fmt: skip
    return render_refusal_notice(notice)
