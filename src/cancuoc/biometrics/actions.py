"""The only write path of biometric captures: one function per change, the acting officer, one
transaction, its audit event inside it. Images are measured before the transaction opens (the models
take tens of milliseconds); only the results are written, sealed for their row."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
from django.db import transaction
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.protection import crypto
from cancuoc.registry.access import citizen_in_area
from cancuoc.rules.people import age_on
from cancuoc.rules.text import reason_problem

from . import events
from .errors import BiometricsError
from .errors import BiometricsErrorCode as Code
from .models import BiometricCapture

MAX_IMAGE_BYTES = 5 * 1024 * 1024
FINGERPRINT_MIN_AGE = 6


MAX_REASON_LENGTH = 300  # what the audit log keeps


def _require_reason(reason, *, check: str = "") -> str:
    """Every change names its reason (an override names it per check); it must fit the log whole."""
    text, wrong = reason_problem(reason, limit=MAX_REASON_LENGTH)
    if wrong == "required":
        raise BiometricsError(Code.OVERRIDE_REASON_MISSING, check=check) if check else BiometricsError(Code.REASON_REQUIRED)
    if wrong:
        raise BiometricsError(Code.REASON_INVALID, limit=MAX_REASON_LENGTH)
    return text


def _sealed_context(capture: BiometricCapture, field: str) -> str:
    return f"biometric_capture.{field}:{capture.pk}"


def _check_area(actor, citizen, verb: Verb, *, unit_path: str | None = None) -> None:
    """The citizen lies in the actor's area for ``verb`` (or the record at ``unit_path`` does: the station
    holding a card checks its holder wherever the holder lives); NotFound otherwise."""
    from cancuoc.accounts.permissions import NotFound, in_area

    if actor is None:
        return
    require_permission(actor, verb)
    if not (citizen_in_area(actor, citizen, verb) or (unit_path and in_area(actor, verb, unit_path))):
        raise NotFound()


def start_capture(actor, citizen, *, reason: str) -> BiometricCapture:
    _require_reason(reason)
    _check_area(actor, citizen, Verb.BIOMETRICS_CAPTURE)
    with transaction.atomic():
        capture = BiometricCapture.objects.create(
            citizen=citizen, captured_by=actor, unit_path=actor.unit.path if actor.unit_id else "",
        )  # fmt: skip
        events.capture_started(actor, capture, reason=reason)
    return capture


def _bounded(data: bytes, name: str) -> bytes:
    if len(data) > MAX_IMAGE_BYTES:
        raise BiometricsError(Code.FILE_TOO_LARGE, name=name, size=len(data), limit=MAX_IMAGE_BYTES)
    return data


def capture_portrait(actor, capture: BiometricCapture, image: bytes, *,
                     overrides: Mapping[str, str] | None = None):  # fmt: skip
    """Check the portrait; keep it when every check passes or each failed one is accepted with a reason.
    Returns the check report. Refused (nothing written) otherwise, with the reasons to act on."""
    from cancuoc.faces.crop import to_chip_portrait
    from cancuoc.faces.quality import PortraitCheck, check_portrait
    from cancuoc.faces.template import face_template

    _check_area(actor, capture.citizen, Verb.BIOMETRICS_CAPTURE)
    report = check_portrait(_bounded(image, "portrait"))
    failed = [str(result.check) for result in report.failed]
    overrides = {str(key): str(value).strip() for key, value in (overrides or {}).items()}
    for check, why in overrides.items():
        if check not in failed:
            raise BiometricsError(Code.OVERRIDE_NOT_FAILED, check=check)
        _require_reason(why, check=check)
    undecodable = str(PortraitCheck.DECODES) in failed or str(PortraitCheck.ONE_FACE) in failed
    missing = [check for check in failed if not overrides.get(check)]
    if missing or undecodable:
        error = BiometricsError(Code.PORTRAIT_REJECTED,
                                reasons_vi="; ".join(r.message_vi for r in report.failed),
                                reasons_en="; ".join(r.message_en for r in report.failed))  # fmt: skip
        error.report = report
        raise error
    gender = {"M": 1, "F": 2}.get(getattr(capture.citizen, "sex", ""), 0)
    chip = to_chip_portrait(image, report, gender=gender)
    template = np.asarray(face_template(image), dtype=np.float32).tobytes()
    with transaction.atomic():
        capture = BiometricCapture.objects.select_for_update().get(pk=capture.pk)
        capture.portrait = crypto.seal_bytes(chip.data, _sealed_context(capture, "portrait"))
        capture.face_template = crypto.seal_bytes(template, _sealed_context(capture, "face_template"))
        capture.portrait_checks = report.as_dict()
        capture.portrait_overrides = overrides
        capture.portrait_at = timezone.now()
        capture.save(update_fields=["portrait", "face_template", "portrait_checks", "portrait_overrides",
                                    "portrait_at"])  # fmt: skip
        events.portrait_captured(actor, capture, failed=failed, overrides=overrides)
    return report


def capture_fingerprints(actor, capture: BiometricCapture, images: Mapping[int, bytes], *,
                         exceptions: Mapping[int, str] | None = None,
                         accept_poor: frozenset[int] | set[int] = frozenset()) -> dict[int, int]:  # fmt: skip
    """Ten slots: each a print or an exception reason (amputated, bandaged, unreadable). A poor print is
    refused unless the officer accepts it (after recapturing); the same finger twice is refused.
    Returns the quality per position."""
    from cancuoc.fingerprints.images import load_finger_image
    from cancuoc.fingerprints.quality import FingerException, assess_finger
    from cancuoc.fingerprints.sequence import repeated_fingers
    from cancuoc.fingerprints.templates import encode_iso19794_2, extract_template

    citizen = capture.citizen
    _check_area(actor, citizen, Verb.BIOMETRICS_CAPTURE)
    if citizen.birth_date and age_on(citizen.birth_date, timezone.localdate()) < FINGERPRINT_MIN_AGE:
        raise BiometricsError(Code.FINGERPRINTS_TOO_YOUNG)
    exceptions = {int(position): str(code) for position, code in (exceptions or {}).items()}
    images = {int(position): data for position, data in images.items() if data}
    for position in range(1, 11):
        if position in images and position in exceptions:
            raise BiometricsError(Code.FINGER_BOTH, position=position)
        if position not in images and position not in exceptions:
            raise BiometricsError(Code.FINGER_MISSING, position=position)
        if position in exceptions and exceptions[position] not in FingerException.__members__.values():
            raise BiometricsError(
                Code.FINGER_EXCEPTION_UNKNOWN, position=position, value=exceptions[position][:40]
            )
    if not images:
        raise BiometricsError(Code.NO_FINGERS)
    templates, quality = {}, {}
    for position, data in sorted(images.items()):
        image = load_finger_image(_bounded(data, f"{position}.png"))
        assessed = assess_finger(image)
        if not assessed.acceptable and position not in accept_poor:
            raise BiometricsError(Code.FINGER_POOR, position=position, score=assessed.score,
                                  reasons_vi="; ".join(reason[1] for reason in assessed.reasons),
                                  reasons_en="; ".join(reason[2] for reason in assessed.reasons))  # fmt: skip
        templates[position] = dataclasses.replace(extract_template(image, position, assess_quality=False),
                                                  quality=int(assessed.score))
        quality[position] = int(assessed.score)
    repeated = repeated_fingers(templates)
    if repeated:
        first, second, _ = repeated[0]
        raise BiometricsError(Code.FINGER_REPEATED, first=first, second=second)
    record = encode_iso19794_2(templates)
    with transaction.atomic():
        capture = BiometricCapture.objects.select_for_update().select_related("citizen").get(pk=capture.pk)
        capture.fingerprints = crypto.seal_bytes(record, _sealed_context(capture, "fingerprints"))
        capture.finger_quality = {str(p): q for p, q in quality.items()}
        capture.finger_exceptions = {str(p): c for p, c in exceptions.items()}
        capture.fingerprints_at = timezone.now()
        capture.fingerprints_waived = ""
        capture.save(update_fields=["fingerprints", "finger_quality", "finger_exceptions", "fingerprints_at",
                                    "fingerprints_waived"])  # fmt: skip
        events.fingerprints_captured(actor, capture, quality=capture.finger_quality,
                                     exceptions=capture.finger_exceptions)  # fmt: skip
    return quality


def waive_fingerprints(actor, capture: BiometricCapture) -> None:
    """A citizen under 6 gives no fingerprints (domain rule); the capture says so."""
    citizen = capture.citizen
    _check_area(actor, citizen, Verb.BIOMETRICS_CAPTURE)
    if not citizen.birth_date or age_on(citizen.birth_date, timezone.localdate()) >= FINGERPRINT_MIN_AGE:
        raise BiometricsError(Code.FINGER_MISSING, position=1)
    with transaction.atomic():
        BiometricCapture.objects.filter(pk=capture.pk).update(
            fingerprints_waived="under_6", fingerprints=None
        )
        capture.refresh_from_db()
        events.fingerprints_captured(actor, capture, quality={}, exceptions={}, waived="under 6")


def fingerprint_record(capture: BiometricCapture) -> bytes:
    """The capture's ISO/IEC 19794-2 record (for the ABIS queue); not audited here: the request is."""
    if capture.fingerprints is None:
        raise BiometricsError(Code.CAPTURE_INCOMPLETE, what="fingerprints")
    return crypto.open_bytes(capture.fingerprints, _sealed_context(capture, "fingerprints"))


def chip_portrait(capture: BiometricCapture) -> bytes:
    """The accepted portrait as the chip's JPEG (for personalisation and the card face)."""
    if capture.portrait is None:
        raise BiometricsError(Code.CAPTURE_INCOMPLETE, what="portrait")
    return crypto.open_bytes(capture.portrait, _sealed_context(capture, "portrait"))


def verify_holder(actor, capture: BiometricCapture, *, finger_images: Mapping[int, bytes] | None = None,
                  face_image: bytes | None = None, reason: str, unit_path: str | None = None):  # fmt: skip
    """1:1: the person in front of the officer against what was enrolled — fingerprints when given,
    otherwise the face. Returns an object with ``score`` and ``match``; audited either way. ``unit_path``:
    the record the check is for (a card at its station), reached by the officer even when the holder lives
    elsewhere."""
    _require_reason(reason)
    _check_area(actor, capture.citizen, Verb.BIOMETRICS_VERIFY, unit_path=unit_path)
    if finger_images:
        from cancuoc.fingerprints.engine import ReferenceEngine
        from cancuoc.fingerprints.images import load_finger_image
        from cancuoc.fingerprints.templates import decode_iso19794_2, extract_template

        enrolled = decode_iso19794_2(fingerprint_record(capture))
        probe = {int(p): extract_template(load_finger_image(_bounded(data, f"{p}.png")), int(p), assess_quality=False)
                 for p, data in finger_images.items()}  # fmt: skip
        if not set(probe) & set(enrolled):
            raise BiometricsError(Code.NOTHING_TO_COMPARE)
        outcome, method = ReferenceEngine().verify(probe, enrolled), "fingerprint"
    elif face_image:
        from cancuoc.faces.template import compare_faces, face_template

        if capture.face_template is None:
            raise BiometricsError(Code.NOTHING_TO_COMPARE)
        enrolled = np.frombuffer(
            crypto.open_bytes(capture.face_template, _sealed_context(capture, "face_template")),
            dtype=np.float32,
        )
        outcome, method = compare_faces(face_template(_bounded(face_image, "face")), enrolled), "face"
    else:
        raise BiometricsError(Code.NOTHING_TO_COMPARE)
    with transaction.atomic():
        events.holder_verified(actor, capture, method=method, score=float(outcome.score),
                               match=bool(outcome.match), reason=reason)  # fmt: skip
    return outcome


def delete_capture(actor, capture: BiometricCapture, *, reason: str) -> None:
    """Delete a capture's biometric data (the retention rule): the row stays as the record that it existed."""
    _require_reason(reason)
    require_permission(actor, Verb.BIOMETRICS_DELETE)
    with transaction.atomic():
        BiometricCapture.objects.filter(pk=capture.pk).update(
            portrait=None, face_template=None, fingerprints=None, portrait_checks={}, finger_quality={},
        )  # fmt: skip
        events.biometrics_deleted(actor, capture, reason=reason)


# -- captures submitted with an application: stored at intake, measured by the pipeline ----------------
def _pack(items: Mapping[str, bytes]) -> bytes:
    """name → bytes as one blob: ``CB1`` then, per item, name length (1 byte), name, data length (4 bytes),
    data. Our own trivial container, so that nothing but bytes is ever decoded from it."""
    out = [b"CB1"]
    for name, data in items.items():
        encoded = name.encode()
        out += [len(encoded).to_bytes(1, "big"), encoded, len(data).to_bytes(4, "big"), bytes(data)]
    return b"".join(out)


def _unpack(blob: bytes) -> dict[str, bytes]:
    if not blob.startswith(b"CB1"):
        raise ValueError("not a capture bundle")
    items, offset = {}, 3
    while offset < len(blob):
        size = blob[offset]
        name = blob[offset + 1 : offset + 1 + size].decode()
        offset += 1 + size
        length = int.from_bytes(blob[offset : offset + 4], "big")
        items[name] = blob[offset + 4 : offset + 4 + length]
        offset += 4 + length
    return items


def store_submission(actor, citizen, *, portrait: bytes, fingerprints: Mapping[int, bytes],
                     exceptions: Mapping[int, str], override_reason: str = "", waived: str = "") -> BiometricCapture:  # fmt: skip
    """Keep a capture as submitted (sealed), inside the caller's transaction; the checks run later.
    The caller (an application's intake) has checked the slots and is audited for the whole submission."""
    capture = BiometricCapture(
        citizen=citizen, captured_by=actor, unit_path=actor.unit.path if getattr(actor, "unit_id", None) else "",
        finger_exceptions={str(p): str(c) for p, c in exceptions.items()}, fingerprints_waived=waived,
        portrait_override_reason=override_reason,
    )  # fmt: skip
    bundle = _pack({"portrait": portrait, **{f"finger-{p}": data for p, data in fingerprints.items()}})
    capture.raw_images = crypto.seal_bytes(bundle, _raw_context(capture))
    capture.save(force_insert=True)  # one INSERT with the images, no second write of 150 KB
    return capture


def _raw_context(capture: BiometricCapture) -> str:
    return f"biometric_capture.raw_images:{capture.seal_key}"


def measure_submission(capture: BiometricCapture) -> list[tuple[str, str]]:
    """Run the capture checks on a submitted capture and keep what they give (portrait for the chip, face
    template, minutiae record, quality). Returns the problems — ("portrait", reasons) or ("fingerprints",
    reasons) — that stop the application; empty when the capture is fit. A portrait check failed at the
    station and accepted with the officer's reason passes; a portrait without a single face never does."""
    from cancuoc.faces.crop import to_chip_portrait
    from cancuoc.faces.quality import PortraitCheck, check_portrait
    from cancuoc.faces.template import face_template
    from cancuoc.fingerprints.errors import FingerprintError
    from cancuoc.fingerprints.images import load_finger_image
    from cancuoc.fingerprints.quality import assess_finger
    from cancuoc.fingerprints.sequence import repeated_fingers
    from cancuoc.fingerprints.templates import encode_iso19794_2, extract_template

    items = _unpack(crypto.open_bytes(capture.raw_images, _raw_context(capture)))
    problems: list[tuple[str, str]] = []
    report = check_portrait(items["portrait"])
    failed = [str(result.check) for result in report.failed]
    fatal = {str(PortraitCheck.DECODES), str(PortraitCheck.ONE_FACE)}
    if failed and (fatal & set(failed) or not capture.portrait_override_reason):
        problems.append(
            ("portrait", "; ".join(f"{r.message_vi} / {r.message_en}" for r in report.failed)[:280])
        )
    fields: dict = {"portrait_checks": report.as_dict(), "measured_at": timezone.now(), "problems": problems}
    if not problems:
        gender = {"M": 1, "F": 2}.get(getattr(capture.citizen, "sex", ""), 0)
        chip = to_chip_portrait(items["portrait"], report, gender=gender)
        template = np.asarray(face_template(items["portrait"]), dtype=np.float32).tobytes()
        fields.update(portrait=crypto.seal_bytes(chip.data, _sealed_context(capture, "portrait")),
                      face_template=crypto.seal_bytes(template, _sealed_context(capture, "face_template")),
                      portrait_overrides=dict.fromkeys(failed, capture.portrait_override_reason),
                      portrait_at=timezone.now())  # fmt: skip
    fingers = {int(name.split("-", 1)[1]): data for name, data in items.items() if name.startswith("finger-")}
    if fingers:
        templates, quality, unusable = {}, {}, []
        for position, data in sorted(fingers.items()):
            try:
                image = load_finger_image(data)
            except FingerprintError:
                unusable.append(position)
                continue
            assessed = assess_finger(image)
            if assessed.score == 0:
                unusable.append(position)
                continue
            # the NFIQ 2 score is the one assess_finger just computed: never twice per finger
            template = extract_template(image, position, assess_quality=False)
            templates[position] = dataclasses.replace(template, quality=int(assessed.score))
            quality[str(position)] = int(assessed.score)
        repeated = repeated_fingers(templates) if templates else []
        if unusable:
            problems.append(("fingerprints", "ngón / fingers " + ", ".join(map(str, unusable))))
        elif repeated:
            problems.append(("fingerprints", f"ngón / fingers {repeated[0][0]} = {repeated[0][1]}"))
        else:
            fields.update(fingerprints=crypto.seal_bytes(encode_iso19794_2(templates),
                                                         _sealed_context(capture, "fingerprints")),
                          finger_quality=quality, fingerprints_at=timezone.now())  # fmt: skip
    elif capture.fingerprints_waived or capture.finger_exceptions:
        fields["fingerprints_at"] = timezone.now()
    BiometricCapture.objects.filter(pk=capture.pk).update(**fields)
    for name, value in fields.items():
        setattr(capture, name, value)
    return problems
