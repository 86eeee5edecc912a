"""Decoding an uploaded portrait into an 8-bit RGB array, defensively.

The upload comes from a browser, so it may be anything: an empty file, garbage, a truncated JPEG, a PNG
whose header announces billions of pixels (a decompression bomb), CMYK, 16-bit, grey, palette or
transparent images, a phone photo rotated by its EXIF orientation tag. Every case ends either in an
RGB ``uint8`` array or in a :class:`FaceError` with a code; nothing else escapes.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from .errors import FaceError, FaceErrorCode

MAX_BYTES = 20_000_000
# Checked on the header, before any pixel is decoded: 50 MP covers every phone camera (8000 × 6000) while
# capping a decoded RGB frame near 150 MB.
MAX_PIXELS = 50_000_000
# Transparent pixels become this light grey, an ICAO-acceptable plain background.
TRANSPARENT_FILL = (240, 240, 240)


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # height × width × 3, uint8, C-contiguous
    image_format: str  # "JPEG", "PNG", ... as Pillow names it
    mode: str  # the mode of the file before conversion ("RGB", "CMYK", "I;16", ...)

    @property
    def width(self) -> int:
        return self.rgb.shape[1]

    @property
    def height(self) -> int:
        return self.rgb.shape[0]


def decode_image(data: bytes) -> DecodedImage:
    """The first frame of ``data`` as upright 8-bit RGB; raises :class:`FaceError` for anything unusable."""
    if not data:
        raise FaceError(FaceErrorCode.EMPTY)
    if len(data) > MAX_BYTES:
        raise FaceError(FaceErrorCode.FILE_TOO_LARGE, size=len(data), limit=MAX_BYTES)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                raise FaceError(FaceErrorCode.TOO_MANY_PIXELS, pixels=pixels, limit=MAX_PIXELS)
            image.load()
            image_format, mode = image.format or "", image.mode
            image = ImageOps.exif_transpose(image)
            rgb = _to_rgb(image)
    except FaceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise FaceError(
            FaceErrorCode.TOO_MANY_PIXELS, pixels=_announced_pixels(error), limit=MAX_PIXELS
        ) from error
    except Exception as error:  # noqa: BLE001 - Pillow's decoders raise many exception types on hostile input
        raise FaceError(FaceErrorCode.NOT_AN_IMAGE) from error
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise FaceError(FaceErrorCode.NOT_AN_IMAGE)
    return DecodedImage(np.ascontiguousarray(rgb), image_format, mode)


def _to_rgb(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit and float grey: scale to 8 bits instead of clipping (Pillow's convert clips at 255).
        values = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if values.max(initial=0) > 255 else 255.0
        grey = np.clip(values * (255.0 / peak), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*TRANSPARENT_FILL, 255))
        return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def _announced_pixels(error: Exception) -> int:
    """The pixel count Pillow names in its decompression-bomb message ("Image size (N pixels) exceeds ...")."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else 0


def encode_png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()
