"""Test portraits built from public-domain images shipped with installed packages: scikit-image's astronaut
(NASA portrait of Eileen Collins) and cameraman, and matplotlib's Grace Hopper sample when present.

The compliant portrait: the astronaut cut out with MediaPipe's selfie segmentation, composited onto a plain
light background and cropped to 35:45 around her face (eyes at about (225, 103) and chin at (222, 178) in
the 512 × 512 original; a 162 × 208 box puts the head at 72 % of the height), then scaled to 413 × 531.
Each faulty variant changes one thing of it.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from cancuoc.faces import landmarks

BACKGROUND = (236, 238, 241)
CROP = (144, 4, 162, 208)  # x, y, width, height in the astronaut image
SIZE = (413, 531)


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def decoded(encoded: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded)).convert("RGB"))


def on_plain_background(rgb: np.ndarray, background=BACKGROUND) -> np.ndarray:
    person = landmarks.person_mask(rgb)[..., None]
    return (rgb * person + np.array(background, np.float32) * (1 - person)).round().astype(np.uint8)


def astronaut_on_plain_background() -> np.ndarray:
    return on_plain_background(data.astronaut())


def compliant(composite: np.ndarray) -> np.ndarray:
    x, y, w, h = CROP
    return cv2.resize(composite[y : y + h, x : x + w], SIZE, interpolation=cv2.INTER_CUBIC)


def rotated(rgb: np.ndarray, degrees: float, centre: tuple[float, float]) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(rgb, matrix, (rgb.shape[1], rgb.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)  # fmt: skip


def far(rgb: np.ndarray) -> np.ndarray:
    """The same portrait in the middle of a canvas twice as large: same pixels on the face, smaller share."""
    height, width = rgb.shape[:2]
    canvas = np.full((2 * height, 2 * width, 3), BACKGROUND, np.uint8)
    canvas[height // 2 : height // 2 + height, width // 2 : width // 2 + width] = rgb
    return canvas


def off_centre(rgb: np.ndarray, shift: int = 150) -> np.ndarray:
    """The portrait slid to the right inside the same frame: the right of the head leaves the picture."""
    moved = np.full_like(rgb, BACKGROUND)
    moved[:, shift:] = rgb[:, : rgb.shape[1] - shift]
    return moved


def darkened(rgb: np.ndarray) -> np.ndarray:
    """Under-exposure as a camera's tone curve gives it: mid-tones sink, black and white stay."""
    return (255 * (rgb / 255.0) ** 3.2).round().astype(np.uint8)


def busy_background(rgb: np.ndarray) -> np.ndarray:
    """The person of ``rgb`` in front of the astronaut photo's own background (flag and shuttle model)."""
    behind = cv2.resize(
        data.astronaut()[0:300, 0:230], (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_CUBIC
    )
    person = landmarks.person_mask(rgb)[..., None]
    return (rgb * person + behind * (1 - person)).round().astype(np.uint8)


def cameraman() -> np.ndarray:
    return cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2RGB)


def grace_hopper() -> np.ndarray | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    return np.asarray(Image.open(path).convert("RGB")) if path.exists() else None
