"""Reading a finger image sent by a scanner or an upload: PNG, JPEG or WSQ, 8-bit grey, 500 dpi, each side
150–2000 pixels. The size is checked from the header before any pixel is decoded, so a decompression
bomb is refused without being expanded.

WSQ (the FBI grey-scale compression used by many ten-print scanners) is read by ``fingerprints.wsq``: its
decoder (NIST NBIS through IDEMIA's ``wsq`` package) runs in a child process, because it can crash on a
damaged file."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
from PIL import Image

from cancuoc.fingerprints import wsq
from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode

MIN_SIDE = 150
MAX_SIDE = 2000
MAX_PIXELS = MAX_SIDE * MAX_SIDE
ACCEPTED_FORMATS = ("PNG", "JPEG")


def load_finger_image(data: bytes) -> np.ndarray:
    """The grey pixels (uint8, rows × columns) of a PNG or JPEG finger image, or a ``FingerprintError``."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        raise FingerprintError(FingerprintErrorCode.IMAGE_UNREADABLE, detail="empty")
    data = bytes(data)
    if data.startswith(wsq.WSQ_MAGIC):
        return _load_wsq(data)
    try:
        with warnings.catch_warnings():
            # A bomb is refused below by our own, much lower, cap; Pillow's warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=None)
    except Image.DecompressionBombError as error:
        # Pillow refuses this itself when the header claims over ~180 million pixels.
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        raise FingerprintError(FingerprintErrorCode.IMAGE_TOO_LARGE, pixels=int(claimed.group(1)) if claimed else 0,
                               limit=MAX_PIXELS) from None  # fmt: skip
    except (OSError, ValueError, SyntaxError) as error:
        raise FingerprintError(FingerprintErrorCode.IMAGE_UNREADABLE, detail=type(error).__name__) from None
    with image:
        if image.format not in ACCEPTED_FORMATS:
            raise FingerprintError(FingerprintErrorCode.IMAGE_FORMAT_UNSUPPORTED, format=image.format or "?")
        _check_size(*image.size)
        try:
            if image.mode in ("I;16", "I;16B", "I;16L", "I"):
                pixels = np.asarray(image, dtype=np.float64)
                top = 65535.0 if image.mode.startswith("I;16") else max(float(pixels.max()), 1.0)
                return np.clip(pixels / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
            return np.asarray(image.convert("L"), dtype=np.uint8).copy()
        except (OSError, ValueError, SyntaxError) as error:
            raise FingerprintError(
                FingerprintErrorCode.IMAGE_UNREADABLE, detail=type(error).__name__
            ) from None


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS and (width > MAX_SIDE or height > MAX_SIDE):
        raise FingerprintError(FingerprintErrorCode.IMAGE_TOO_LARGE, pixels=width * height, limit=MAX_PIXELS)
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise FingerprintError(FingerprintErrorCode.IMAGE_WRONG_SIZE, width=width, height=height,
                               low=MIN_SIDE, high=MAX_SIDE)  # fmt: skip


def _load_wsq(data: bytes) -> np.ndarray:
    try:
        width, height = wsq.frame_size(data)
    except wsq.WsqUnreadable:
        raise FingerprintError(FingerprintErrorCode.IMAGE_UNREADABLE, detail="WSQ") from None
    _check_size(width, height)
    try:
        return wsq.decode(data, expected=(width, height))
    except wsq.WsqUnreadable:
        raise FingerprintError(FingerprintErrorCode.IMAGE_UNREADABLE, detail="WSQ") from None
