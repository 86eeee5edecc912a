"""Capture actions: the portrait is kept when it passes or each failed check is accepted with a reason;
ten finger slots each need a print or an exception; what is kept is sealed; the holder is verified 1:1;
everything is audited and confined to the officer's area."""

import io
from datetime import date

import numpy as np
import pytest
from PIL import Image

from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.audit.models import AuditEntry, Event
from cancuoc.biometrics import actions
from cancuoc.biometrics.errors import BiometricsError, BiometricsErrorCode
from cancuoc.biometrics.models import BiometricCapture
from cancuoc.icao.biometrics import JPEG, encode_dg2, parse_dg2
from tests.faces.portraits import astronaut_on_plain_background, compliant, png
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def portrait_png():
    return png(compliant(astronaut_on_plain_background()))


@pytest.fixture(scope="module")
def busy_portrait_png():
    from skimage import data

    return png(np.ascontiguousarray(data.astronaut()))  # the shuttle and the flag behind her


@pytest.fixture(scope="module")
def prints():
    from cancuoc.fingerprints.synth import generate_finger

    def encoded(person, position, impression):
        buffer = io.BytesIO()
        Image.fromarray(generate_finger(11, person, position, impression)).save(buffer, "PNG")
        return buffer.getvalue()

    return {(person, position, impression): encoded(person, position, impression)
            for person in (1, 2) for position in (1, 2, 3) for impression in (1, 2)}  # fmt: skip


@pytest.fixture
def capture(world, officers):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, sex="F")
    return actions.start_capture(officers["thai_thuy"], citizen, reason="first card")


def test_a_compliant_portrait_is_kept_sealed_and_fits_the_chip(capture, officers, portrait_png):
    report = actions.capture_portrait(officers["thai_thuy"], capture, portrait_png)
    assert report.acceptable
    capture.refresh_from_db()
    assert bytes(capture.portrait).startswith(b"E1") and b"JFIF" not in bytes(capture.portrait)
    chip = actions.chip_portrait(capture)
    assert chip.startswith(b"\xff\xd8")
    face = parse_dg2(encode_dg2_of(chip))
    assert face.image_format == JPEG and face.height > face.width
    entry = AuditEntry.objects.get(event=Event.PORTRAIT_CAPTURED)
    assert entry.object_id == capture.citizen.id_number and entry.changes["failed_checks"] == []


def encode_dg2_of(jpeg_bytes):
    from cancuoc.icao.biometrics import FaceImage

    image = Image.open(io.BytesIO(jpeg_bytes))
    return encode_dg2(FaceImage(jpeg_bytes, JPEG, image.width, image.height, 2))


def test_a_failed_check_refuses_the_portrait_with_the_reason_and_keeps_nothing(capture, officers,
                                                                              busy_portrait_png):  # fmt: skip
    with pytest.raises(BiometricsError) as refused:
        actions.capture_portrait(officers["thai_thuy"], capture, busy_portrait_png)
    assert refused.value.code is BiometricsErrorCode.PORTRAIT_REJECTED
    failed = [str(result.check) for result in refused.value.report.failed]
    assert "background" in failed
    assert refused.value.message_vi != refused.value.message_en
    capture.refresh_from_db()
    assert capture.portrait is None and not AuditEntry.objects.filter(event=Event.PORTRAIT_CAPTURED).exists()


def test_an_officer_overrides_a_failed_check_with_a_reason_and_it_is_audited(capture, officers,
                                                                            busy_portrait_png):  # fmt: skip
    from cancuoc.faces.quality import check_portrait

    failing = [str(result.check) for result in check_portrait(busy_portrait_png).failed]
    assert failing
    with pytest.raises(BiometricsError) as no_reason:
        actions.capture_portrait(officers["thai_thuy"], capture, busy_portrait_png,
                                 overrides=dict.fromkeys(failing, " "))  # fmt: skip
    assert no_reason.value.code is BiometricsErrorCode.OVERRIDE_REASON_MISSING
    with pytest.raises(BiometricsError) as not_failed:
        actions.capture_portrait(
            officers["thai_thuy"],
            capture,
            busy_portrait_png,
            overrides={**dict.fromkeys(failing, "wall of the commune office"), "pose": "x"},
        )
    assert not_failed.value.code is BiometricsErrorCode.OVERRIDE_NOT_FAILED
    actions.capture_portrait(
        officers["thai_thuy"],
        capture,
        busy_portrait_png,
        overrides=dict.fromkeys(failing, "mobile team at the school: no plain wall"),
    )
    entry = AuditEntry.objects.get(event=Event.PORTRAIT_CAPTURED)
    assert entry.changes["overridden"] == sorted(failing)
    assert "no plain wall" in entry.reason


def test_ten_slots_each_need_a_print_or_an_exception(capture, officers, prints):
    officer = officers["thai_thuy"]
    images = {position: prints[(1, position, 1)] for position in (1, 2, 3)}
    with pytest.raises(BiometricsError) as missing:
        actions.capture_fingerprints(officer, capture, images)
    assert missing.value.code is BiometricsErrorCode.FINGER_MISSING
    exceptions = dict.fromkeys(range(4, 11), "bandaged")
    with pytest.raises(BiometricsError) as unknown:
        actions.capture_fingerprints(officer, capture, images, exceptions={**exceptions, 10: "lazy"})
    assert unknown.value.code is BiometricsErrorCode.FINGER_EXCEPTION_UNKNOWN
    with pytest.raises(BiometricsError) as both:
        actions.capture_fingerprints(officer, capture, images, exceptions={**exceptions, 1: "amputated"})
    assert both.value.code is BiometricsErrorCode.FINGER_BOTH
    quality = actions.capture_fingerprints(officer, capture, images, exceptions=exceptions)
    assert set(quality) == {1, 2, 3} and all(0 <= q <= 100 for q in quality.values())
    capture.refresh_from_db()
    assert capture.finger_exceptions == {str(p): "bandaged" for p in range(4, 11)}
    assert bytes(capture.fingerprints).startswith(b"E1") and b"FMR" not in bytes(capture.fingerprints)
    assert actions.fingerprint_record(capture).startswith(b"FMR\x00")
    assert AuditEntry.objects.get(event=Event.FINGERPRINTS_CAPTURED).changes["exceptions"]["4"] == "bandaged"


def test_the_same_finger_twice_is_refused(capture, officers, prints):
    images = {1: prints[(1, 1, 1)], 2: prints[(1, 1, 2)], 3: prints[(1, 3, 1)]}  # thumb given as index too
    with pytest.raises(BiometricsError) as repeated:
        actions.capture_fingerprints(officers["thai_thuy"], capture, images,
                                     exceptions=dict.fromkeys(range(4, 11), "amputated"))  # fmt: skip
    assert repeated.value.code is BiometricsErrorCode.FINGER_REPEATED
    assert {repeated.value.values["first"], repeated.value.values["second"]} == {1, 2}


def test_a_poor_print_is_refused_unless_the_officer_accepts_it(capture, officers, prints):
    blank = io.BytesIO()
    Image.fromarray(np.full((400, 320), 245, dtype=np.uint8)).save(blank, "PNG")
    images = {1: prints[(1, 1, 1)], 2: prints[(1, 2, 1)], 3: blank.getvalue()}
    with pytest.raises(BiometricsError) as poor:
        actions.capture_fingerprints(officers["thai_thuy"], capture, images,
                                     exceptions=dict.fromkeys(range(4, 11), "amputated"))  # fmt: skip
    assert poor.value.code is BiometricsErrorCode.FINGER_POOR and poor.value.values["position"] == 3


def test_no_fingerprints_under_six(world, officers, prints):
    child = CitizenFactory(
        permanent_unit=world.thai_thuy, birth_date=date.today().replace(year=date.today().year - 4)
    )
    capture = actions.start_capture(officers["thai_thuy"], child, reason="first card on request")
    with pytest.raises(BiometricsError) as young:
        actions.capture_fingerprints(officers["thai_thuy"], capture, {1: prints[(1, 1, 1)]},
                                     exceptions=dict.fromkeys(range(2, 11), "amputated"))  # fmt: skip
    assert young.value.code is BiometricsErrorCode.FINGERPRINTS_TOO_YOUNG
    actions.waive_fingerprints(officers["thai_thuy"], capture)
    capture.refresh_from_db()
    assert capture.fingerprints_waived == "under_6"


def test_holder_verified_by_fingerprint_and_by_face(capture, officers, prints, portrait_png):
    officer = officers["thai_thuy"]
    actions.capture_portrait(officer, capture, portrait_png)
    actions.capture_fingerprints(officer, capture, {p: prints[(1, p, 1)] for p in (1, 2, 3)},
                                 exceptions=dict.fromkeys(range(4, 11), "amputated"))  # fmt: skip
    capture.refresh_from_db()
    same = actions.verify_holder(officer, capture, finger_images={2: prints[(1, 2, 2)]}, reason="hand-over")
    other = actions.verify_holder(officer, capture, finger_images={2: prints[(2, 2, 2)]}, reason="hand-over")
    assert same.match and not other.match and same.score > other.score
    face = actions.verify_holder(officer, capture, face_image=portrait_png, reason="hand-over")
    assert face.match
    from skimage import data

    stranger = actions.verify_holder(officer, capture, face_image=png(np.dstack([data.camera()] * 3)),
                                     reason="hand-over") if _has_face(data.camera()) else None  # fmt: skip
    if stranger is not None:
        assert not stranger.match
    verified = AuditEntry.objects.filter(event=Event.HOLDER_VERIFIED).order_by("sequence")
    assert [(e.changes["method"], e.changes["match"]) for e in verified][:3] == [
        ("fingerprint", True),
        ("fingerprint", False),
        ("face", True),
    ]


def _has_face(grey) -> bool:
    from cancuoc.faces.errors import FaceError
    from cancuoc.faces.template import face_template

    try:
        face_template(png(np.dstack([grey] * 3)))
    except FaceError:
        return False
    return True


def test_out_of_area_and_missing_look_the_same(capture, officers, portrait_png):
    from cancuoc.biometrics.access import access_capture

    with pytest.raises(NotFound):
        access_capture(officers["ba_dinh"], capture.pk)
    with pytest.raises(NotFound):
        access_capture(officers["ba_dinh"], 10**9)
    with pytest.raises(NotFound):
        access_capture(officers["ba_dinh"], "garbage")
    assert access_capture(officers["hung_yen"], capture.pk) == capture
    with pytest.raises(NotFound):
        actions.capture_portrait(officers["ba_dinh"], capture, portrait_png)
    with pytest.raises(PermissionDenied):
        actions.capture_portrait(officers["auditor"], capture, portrait_png)


def test_delete_for_retention(capture, officers, portrait_png):
    actions.capture_portrait(officers["thai_thuy"], capture, portrait_png)
    with pytest.raises(PermissionDenied):
        actions.delete_capture(officers["thai_thuy"], capture, reason="retention")
    actions.delete_capture(officers["admin"], capture, reason="retention period ended")
    kept = BiometricCapture.objects.get(pk=capture.pk)
    assert kept.portrait is None and kept.face_template is None
    assert AuditEntry.objects.filter(
        event=Event.BIOMETRICS_DELETED, object_id=capture.citizen.id_number
    ).exists()
