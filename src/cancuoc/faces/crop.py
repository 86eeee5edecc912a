"""The chip's portrait cut from an accepted capture: the ICAO 35 × 45 frame at 300 dpi (413 × 531 px), the head
at 75 % of the height (ICAO: 70-80 %), the eyes level and centred, encoded as a baseline JPEG small enough
for DG2 (at most ``MAX_CHIP_BYTES``), and wrapped in the ``FaceImage`` that ``icao.biometrics.encode_dg2``
takes.

Geometry in the frame: the eyes sit on the vertical centre line (ISO/IEC 19794-5 allows 45-55 % of the
width), and the space above the crown is 40 % of the space left over by the head, so the eye line falls
at about 52 % of the height from the bottom (ISO: 50-70 %). When the capture leaves too little room
around the head, the frame first slides within those tolerances, then zooms out to a head of 80 %, and
only then repeats the image's edge pixels (the quality check FACE_POSITION refuses captures that would
need more than a sliver of that).

The only changes to the picture are an in-plane rotation that levels the eyes, scaling and cropping, as
ISO/IEC 19794-5 allows for a full-frontal image; colours and background are left as captured.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from cancuoc.icao.biometrics import JPEG, FaceImage

from . import landmarks
from .errors import FaceError, FaceErrorCode
from .images import decode_image
from .quality import (
    CHIP_ASPECT,
    CHIP_HEAD_SHARE,
    MAX_HEAD_SHARE,
    MIN_INTER_EYE_PIXELS,
    FacePoints,
    PortraitReport,
)

CHIP_WIDTH, CHIP_HEIGHT = 413, 531  # 35 × 45 mm at 300 dpi
MAX_CHIP_BYTES = 20_000
# Quality is lowered first (down to this), then the picture is made smaller, never so small that the eyes
# end up closer than ISO's 90 px.
MIN_JPEG_QUALITY = 40
MAX_JPEG_QUALITY = 92
TOP_SPACE_SHARE = 0.4  # of the height not taken by the head, above the crown


def to_chip_portrait(data: bytes, report: PortraitReport | None = None, *, gender: int = 0) -> FaceImage:
    """The DG2 portrait of the one face in ``data``. ``report`` (from ``check_portrait`` on the same bytes)
    saves finding the face again. Raises :class:`FaceError` when the image cannot be read or does not hold
    exactly one face with visible features."""
    image = decode_image(data)
    face = _face_of(image.rgb, report)
    portrait, eye_distance = chip_crop(image.rgb, face)
    encoded, width, height = encode_for_chip(portrait, eye_distance)
    return FaceImage(encoded, JPEG, width, height, gender=gender, face_image_type=1)


def _face_of(rgb: np.ndarray, report: PortraitReport | None) -> FacePoints:
    if report is not None and report.face is not None and report.image_size == (rgb.shape[1], rgb.shape[0]):
        return report.face
    faces = landmarks.detect_faces(rgb)
    if not faces:
        raise FaceError(FaceErrorCode.NO_FACE)
    if len(faces) > 1:
        raise FaceError(FaceErrorCode.SEVERAL_FACES, count=len(faces))
    geometry = landmarks.face_geometry(rgb, faces[0])
    if geometry is None:
        raise FaceError(FaceErrorCode.NO_LANDMARKS)
    return FacePoints.of(geometry)


def chip_frame(face: FacePoints, width: int, height: int) -> tuple[float, float, float, float]:
    """(left, top, frame width, frame height) of the ICAO frame in the eye-levelled capture, in its pixels."""
    eye_x, eye_y = face.eye_midpoint
    head = face.head_height
    best = None
    for share in (CHIP_HEAD_SHARE, (CHIP_HEAD_SHARE + MAX_HEAD_SHARE) / 2, MAX_HEAD_SHARE):
        frame_height = head / share
        frame_width = frame_height * CHIP_ASPECT
        left = _place(eye_x - frame_width / 2, (eye_x - 0.55 * frame_width, eye_x - 0.45 * frame_width),
                      width - frame_width)  # fmt: skip
        wanted_top = eye_y - head / 2 - TOP_SPACE_SHARE * (frame_height - head)
        # Eye line at 50-70 % from the bottom, and never above the crown.
        top = _place(wanted_top, (eye_y - 0.5 * frame_height, eye_y - max(0.3 * frame_height, head / 2)),
                     height - frame_height)  # fmt: skip
        overhang = max(0.0, -left, left + frame_width - width, -top, top + frame_height - height)
        if best is None or overhang < best[0] - 0.5:
            best = (overhang, (left, top, frame_width, frame_height))
        if overhang <= 0.5:
            break
    return best[1]


def _place(wanted: float, allowed: tuple[float, float], last_start: float) -> float:
    """A start position as close to ``wanted`` as possible, inside ``allowed`` and if possible inside the
    image (0 .. ``last_start``)."""
    low, high = max(allowed[0], 0.0), min(allowed[1], last_start)
    if low > high:  # the image is too small: keep the geometry, the edge pixels fill the rest
        low, high = allowed
    return float(min(max(wanted, low), high))


def chip_crop(rgb: np.ndarray, face: FacePoints,
              size: tuple[int, int] = (CHIP_WIDTH, CHIP_HEIGHT)) -> tuple[np.ndarray, float]:  # fmt: skip
    """The ICAO frame of ``face`` resampled to ``size``, eyes levelled, and the eye distance in it (px)."""
    left, top, frame_width, _frame_height = chip_frame(face, rgb.shape[1], rgb.shape[0])
    scale = size[0] / frame_width
    eye_distance = face.inter_eye_distance * scale
    eye_x, eye_y = face.eye_midpoint
    # Rotate about the eye midpoint by the roll (levels the eyes), scale, then move the frame's corner to 0, 0.
    matrix = cv2.getRotationMatrix2D((eye_x, eye_y), face.roll, scale)
    matrix[0, 2] -= eye_x + scale * (left - eye_x)
    matrix[1, 2] -= eye_y + scale * (top - eye_y)
    source = rgb
    if scale < 0.5:
        source, matrix = _shrunk_source(rgb, matrix, size, 2 * scale)
    portrait = cv2.warpAffine(source, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return portrait, eye_distance


def _shrunk_source(rgb: np.ndarray, matrix: np.ndarray, size: tuple[int, int], factor: float):
    """The part of ``rgb`` that ``matrix`` maps into the output, shrunk by area averaging to ``factor`` (a
    rotation with a strong zoom-out would alias), and the matrix that maps the shrunk part instead."""
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0, 1], [size[0], 0, 1], [0, size[1], 1], [size[0], size[1], 1]], np.float64)
    mapped = corners @ inverse.T
    height, width = rgb.shape[:2]
    x0, y0 = (max(0, int(np.floor(value)) - 2) for value in mapped.min(axis=0))
    x1, y1 = (
        min(width, int(np.ceil(mapped[:, 0].max())) + 2),
        min(height, int(np.ceil(mapped[:, 1].max())) + 2),
    )
    if x1 <= x0 or y1 <= y0:  # the frame lies outside the image: keep all of it for the edge pixels
        x0, y0, x1, y1 = 0, 0, width, height
    part = rgb[y0:y1, x0:x1]
    shrunk = cv2.resize(part, (max(1, round(part.shape[1] * factor)), max(1, round(part.shape[0] * factor))),
                        interpolation=cv2.INTER_AREA)  # fmt: skip
    along_x, along_y = shrunk.shape[1] / part.shape[1], shrunk.shape[0] / part.shape[0]
    linear = matrix[:, :2]
    moved = np.empty_like(matrix)
    moved[:, 0], moved[:, 1] = linear[:, 0] / along_x, linear[:, 1] / along_y
    moved[:, 2] = linear @ np.array([x0, y0], np.float64) + matrix[:, 2]
    return shrunk, moved


def encode_for_chip(portrait: np.ndarray, eye_distance: float,
                    max_bytes: int = MAX_CHIP_BYTES) -> tuple[bytes, int, int]:  # fmt: skip
    """Baseline JPEG of ``portrait`` within ``max_bytes``: the best quality that fits, then smaller sizes
    while the eyes stay at least 90 px apart (``eye_distance`` is theirs in ``portrait``); if nothing fits,
    the smallest such file. Returns (JPEG, width, height)."""
    image = Image.fromarray(portrait)
    while True:
        found = _best_quality(image, max_bytes)
        if found is not None:
            return found, image.width, image.height
        smallest = _jpeg(image, MIN_JPEG_QUALITY)
        shrink = 0.9
        if eye_distance * shrink < MIN_INTER_EYE_PIXELS:
            return smallest, image.width, image.height
        eye_distance *= shrink
        width = round(image.width * shrink)
        size = (width, round(width / CHIP_ASPECT))
        image = image.resize(size, Image.Resampling.LANCZOS)


def _best_quality(image: Image.Image, max_bytes: int) -> bytes | None:
    """Binary search of the highest JPEG quality whose file fits ``max_bytes``."""
    low, high, best = MIN_JPEG_QUALITY, MAX_JPEG_QUALITY, None
    while low <= high:
        quality = (low + high) // 2
        encoded = _jpeg(image, quality)
        if len(encoded) <= max_bytes:
            best, low = encoded, quality + 1
        else:
            high = quality - 1
    return best


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(
        buffer, "JPEG", quality=quality, optimize=True, progressive=False, subsampling="4:2:0", dpi=(300, 300)
    )
    return buffer.getvalue()
