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
    return (255 * (rgb / 255.0) ** 4).round().astype(np.uint8)


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


# The eye contours of the MediaPipe mesh, image-left eye then image-right eye, lower lid last.
_EYE_CONTOURS = (
    (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7),
    (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249),
)


def eyes_painted_shut(rgb: np.ndarray) -> np.ndarray:
    """Both eyes painted over with eyelid-coloured skin and a lash line along the lower lid."""
    geometry = landmarks.face_geometry(rgb, landmarks.detect_faces(rgb)[0])
    skin = np.median(rgb[geometry.face_mask(rgb.shape)], axis=0)
    eyes = np.zeros(rgb.shape[:2], np.uint8)
    for contour in _EYE_CONTOURS:
        cv2.fillPoly(eyes, [geometry.points[list(contour), :2].astype(np.int32)], 1)
    eyes = cv2.dilate(eyes, np.ones((9, 9), np.uint8)).astype(bool)
    painted = rgb.copy()
    painted[eyes] = (0.5 * skin + 0.5 * np.array([200, 160, 140])).astype(np.uint8)
    for contour in _EYE_CONTOURS:
        lash = geometry.points[[contour[0], *contour[13:7:-1], contour[8]], :2].astype(np.int32)
        cv2.polylines(painted, [lash], False, (60, 40, 30), 3)
    return cv2.GaussianBlur(painted, (0, 0), 1.0)


def shadowed(rgb: np.ndarray, factor: float = 0.5) -> np.ndarray:
    """The person's image-right half in shadow (light only from the image left); the background unchanged."""
    geometry = landmarks.face_geometry(rgb, landmarks.detect_faces(rgb)[0])
    columns = np.arange(rgb.shape[1]) - float(geometry.eye_midpoint[0])
    light = factor + (1 - factor) / (1 + np.exp(columns / 12.0))
    person = landmarks.person_mask(rgb)[..., None]
    shade = person * light[None, :, None] + (1 - person)
    return np.clip(rgb * shade, 0, 255).astype(np.uint8)
