"""Test data for the card domains (production, issuance, relying parties): applications ready for
production with a real enrolled portrait, made directly (the enrollment pipeline has its own tests), and
cards moved along their life through ``cards.lifecycle``."""

from __future__ import annotations

import io
import itertools

from django.utils import timezone

from cancuoc.biometrics.models import BiometricCapture
from cancuoc.enrollment.models import Application, Station
from cancuoc.protection import crypto

_codes = itertools.count(1)


def chip_jpeg() -> bytes:
    """A small JPEG portrait as the capture stores it (the ICAO crop of scikit-image's astronaut)."""
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).crop((140, 20, 380, 340)).resize((240, 320)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


_PORTRAIT: list[bytes] = []


def station_of(unit, *, code: str | None = None) -> Station:
    code = code or f"ST-{unit.code}"
    return Station.objects.get_or_create(code=code, defaults={"name": f"Công an {unit.name}", "kind": "fixed",
                                                              "unit": unit, "address": unit.name})[0]  # fmt: skip


def ready_application(citizen, station: Station, officer, *, kind: str = "first") -> Application:
    """An application in stage ``ready_for_production`` with a sealed portrait, as approval leaves it."""
    if not _PORTRAIT:
        _PORTRAIT.append(chip_jpeg())
    capture = BiometricCapture.objects.create(citizen=citizen, unit_path=station.unit.path, captured_by=officer,
                                              portrait_at=timezone.now())  # fmt: skip
    capture.portrait = crypto.seal_bytes(_PORTRAIT[0], f"biometric_capture.portrait:{capture.pk}")
    capture.save(update_fields=["portrait"])
    number = next(_codes)
    return Application.objects.create(
        code=f"261201T{number:07d}"[:14], citizen=citizen, station=station, unit_path=station.unit.path, kind=kind,
        stage=Application.Stage.READY_FOR_PRODUCTION, is_open=True, capture=capture, created_by=officer,
        idempotency_key=f"test-{number}", request_digest="0" * 64,
    )  # fmt: skip
