"""Finger minutiae templates: extraction from a 500 dpi image and the ISO/IEC 19794-2:2005 finger minutiae
record, one finger view per finger position.

Extraction is NIST MINDTCT (native NBIS code shipped by the ``afis`` package). The record codec is ours:
``afis`` has one, but it writes a single view, version ``020``, resolution in ppi and minutia quality
0–255, which are not the 2005 layout; this one follows the standard (general header 24 bytes with
resolution in pixels per centimetre, finger view header 4 bytes, 6 bytes per minutia with the angle in
units of 1.40625° and quality 0–100, extended data length 0). Coordinates: origin at the top-left pixel,
y downwards; angle counter-clockwise from the x axis, as the standard says."""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode

POSITIONS = range(
    1, 11
)  # ISO/IEC 19794-4 finger positions: 1 right thumb … 5 right little, 6 left thumb … 10
RESOLUTION_PPI = 500
MAX_STORED_MINUTIAE = 120  # a record holds at most 255; MINDTCT finds far fewer real ones on a good print
MINUTIA_ENDING, MINUTIA_BIFURCATION, MINUTIA_OTHER = 1, 2, 0

_FORMAT = b"FMR\x00"
_VERSION = b" 20\x00"
_HEADER = struct.Struct(">4s4sIHHHHHBB")  # 24 bytes
_VIEW = struct.Struct(">BBBB")
_MINUTIA = struct.Struct(">HHBB")
_ANGLE_UNIT = 2 * math.pi / 256


@dataclass(eq=False)
class FingerTemplate:
    """The minutiae of one finger. ``minutiae`` is N×4 float: x, y (pixels, y downwards), angle (radians,
    counter-clockwise from the x axis, in [0, 2π)), minutia quality (0–100). ``types`` holds the ISO
    minutia type of each row (1 ridge ending, 2 bifurcation, 0 other). ``quality`` is the image's NFIQ 2
    scale score (0–100)."""

    position: int
    width: int
    height: int
    minutiae: np.ndarray
    quality: int = 0
    types: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        self.minutiae = np.asarray(self.minutiae, dtype=np.float64).reshape(-1, 4)
        if self.types is None:
            self.types = np.full(len(self.minutiae), MINUTIA_OTHER, dtype=np.uint8)
        self.types = np.asarray(self.types, dtype=np.uint8).reshape(-1)
        if len(self.types) != len(self.minutiae):
            raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail="types/minutiae length")

    def __len__(self) -> int:
        return len(self.minutiae)

    def best(self, count: int) -> np.ndarray:
        """The ``count`` minutiae of highest quality (rows of ``minutiae``), in their stored order."""
        if len(self.minutiae) <= count:
            return self.minutiae
        keep = np.sort(np.argsort(-self.minutiae[:, 3], kind="stable")[:count])
        return self.minutiae[keep]


def check_position(position: int, *, unknown: bool = False) -> int:
    """``position`` as an int if it is 1–10 (or 0, "unknown finger", when ``unknown``); else a coded error."""
    allowed = range(0, 11) if unknown else POSITIONS
    if (
        isinstance(position, bool)
        or not isinstance(position, int | np.integer)
        or int(position) not in allowed
    ):
        raise FingerprintError(FingerprintErrorCode.POSITION_INVALID, position=position)
    return int(position)


def extract_template(image: np.ndarray, position: int, *, assess_quality: bool = True) -> FingerTemplate:
    """MINDTCT minutiae of a 500 dpi grey image. ``position`` 1–10, or 0 for a finger not yet placed (such a
    template can be checked but not enrolled). ``assess_quality=False`` skips the NFIQ 2 score (0 then),
    which costs several times the extraction itself, for bulk evaluation runs."""
    from afis.algorithms import lfs

    position = check_position(position, unknown=True)
    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    if pixels.ndim != 2:
        raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail="image is not 2-D grey")
    height, width = pixels.shape
    found, _meta = lfs.mindtct_extract(pixels, ppi=float(RESOLUTION_PPI))
    # afis rows: x, y, theta, kind (0 ending, 1 bifurcation), reliability 0–1.
    if len(found) > MAX_STORED_MINUTIAE:
        found = found[np.sort(np.argsort(-found[:, 4], kind="stable")[:MAX_STORED_MINUTIAE])]
    minutiae = np.column_stack([found[:, 0], found[:, 1], np.mod(found[:, 2], 2 * math.pi),
                                np.clip(np.round(found[:, 4] * 100), 1, 100)]) if len(found) else np.zeros((0, 4))  # fmt: skip
    types = (
        np.where(found[:, 3] == 0, MINUTIA_ENDING, MINUTIA_BIFURCATION).astype(np.uint8)
        if len(found)
        else None
    )
    quality = 0
    if assess_quality:
        from cancuoc.fingerprints.quality import nfiq2_score

        quality = nfiq2_score(pixels, found)
    return FingerTemplate(position, width, height, minutiae, quality, types)


def encode_iso19794_2(templates: Mapping[int, FingerTemplate]) -> bytes:
    """One ISO/IEC 19794-2:2005 finger minutiae record holding one finger view per position (ascending)."""
    if not templates:
        raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail="no finger")
    views = []
    width = max(t.width for t in templates.values())
    height = max(t.height for t in templates.values())
    for position in sorted(templates):
        template = templates[position]
        check_position(position)
        if template.position != position:
            raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail=f"position {position}")
        count = len(template.minutiae)
        if count > 255:
            raise FingerprintError(FingerprintErrorCode.TEMPLATE_INVALID, detail="more than 255 minutiae")
        view = bytearray(_VIEW.pack(position, 0x00, max(0, min(100, int(template.quality))), count))
        for (x, y, angle, quality), kind in zip(template.minutiae, template.types, strict=True):
            xi, yi = int(round(x)), int(round(y))
            if not (0 <= xi < 0x4000 and 0 <= yi < 0x4000):
                raise FingerprintError(
                    FingerprintErrorCode.TEMPLATE_INVALID, detail="coordinate out of range"
                )
            angle_unit = int(round((angle % (2 * math.pi)) / _ANGLE_UNIT)) % 256
            view += _MINUTIA.pack(
                (int(kind) & 0x3) << 14 | xi, yi, angle_unit, max(0, min(100, int(quality)))
            )
        view += b"\x00\x00"  # no extended data
        views.append(bytes(view))
    body = b"".join(views)
    ppcm = int(round(RESOLUTION_PPI / 2.54))
    header = _HEADER.pack(
        _FORMAT, _VERSION, _HEADER.size + len(body), 0, width, height, ppcm, ppcm, len(views), 0
    )
    return header + body


def decode_iso19794_2(data: bytes) -> dict[int, FingerTemplate]:
    """The finger views of an ISO/IEC 19794-2:2005 record by position; a coded error on anything else."""

    def unreadable(detail: str) -> FingerprintError:
        return FingerprintError(FingerprintErrorCode.TEMPLATE_UNREADABLE, detail=detail)

    if not isinstance(data, bytes | bytearray | memoryview):
        raise unreadable("not bytes")
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise unreadable("too short")
    magic, version, length, _device, width, height, _xres, _yres, count, _reserved = _HEADER.unpack_from(data)
    if magic != _FORMAT:
        raise unreadable("not a finger minutiae record")
    if version != _VERSION:
        raise unreadable(f"version {version!r}")
    if length != len(data):
        raise unreadable(f"record length {length} but {len(data)} bytes")
    if count == 0:
        raise unreadable("no finger view")
    offset, templates = _HEADER.size, {}
    for _ in range(count):
        if offset + _VIEW.size > len(data):
            raise unreadable("truncated finger view")
        position, _view_impression, quality, minutiae_count = _VIEW.unpack_from(data, offset)
        offset += _VIEW.size
        if position not in POSITIONS or position in templates or quality > 100:
            raise unreadable(f"finger view position {position}")
        end = offset + minutiae_count * _MINUTIA.size
        if end + 2 > len(data):
            raise unreadable("truncated minutiae")
        raw = np.frombuffer(data, dtype=">u2", count=minutiae_count * 3, offset=offset).reshape(-1, 3)
        first, second = raw[:, 0], raw[:, 1]
        angle_quality = np.frombuffer(data, dtype=np.uint8, count=minutiae_count * 6, offset=offset).reshape(
            -1, 6
        )
        x, y, kinds = (
            (first & 0x3FFF).astype(float),
            (second & 0x3FFF).astype(float),
            (first >> 14).astype(np.uint8),
        )
        if minutiae_count and (
            x.max() >= max(width, 1) or y.max() >= max(height, 1) or angle_quality[:, 5].max() > 100
        ):
            raise unreadable("minutia outside the image or quality above 100")
        minutiae = np.column_stack(
            [x, y, angle_quality[:, 4] * _ANGLE_UNIT, angle_quality[:, 5].astype(float)]
        )
        offset = end
        (extended,) = struct.unpack_from(">H", data, offset)
        offset += 2 + extended
        if offset > len(data):
            raise unreadable("truncated extended data")
        templates[position] = FingerTemplate(position, width, height, minutiae, quality, kinds)
    if offset != len(data):
        raise unreadable("bytes after the last finger view")
    return templates
