"""Where the faces are: MediaPipe face detection (how many faces, where), face mesh with irises (478 points
of the one face, from which eye positions, head size and pose are measured) and selfie segmentation (which
pixels are the person, so the background can be judged on its own).

The three models are the legacy ``mediapipe.solutions`` graphs, whose TFLite files ship inside the wheel:
nothing is downloaded. Each graph is built once per process, on first use, and is not thread-safe, so
every call holds that graph's lock. MediaPipe's native code logs to stderr when a graph starts; that
start-up (and only it) runs with the process's stderr pointed at /dev/null.

Coordinates are image pixels of the array passed in: x to the right, y down. "Left" and "right" are as
seen in the image (the subject's right eye is the image's left eye).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

# Before MediaPipe is first imported: its native logging reads these once.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DETECTION_CONFIDENCE = 0.5
# Detection runs on a copy whose longer side is at most this (the full-range model looks at 192 × 192
# anyway); the mesh runs on a crop around the face, resized so the face is about MESH_FACE_PIXELS wide.
DETECTION_MAX_SIDE = 1024
MESH_FACE_PIXELS = 256
SEGMENTATION_MAX_SIDE = 512

# Face-mesh indices (the canonical MediaPipe topology).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
             148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip
LEFT_EYE = {"outer": 33, "inner": 133, "upper": (160, 158), "lower": (144, 153)}  # image-left eye
RIGHT_EYE = {"outer": 263, "inner": 362, "upper": (387, 385), "lower": (373, 380)}
LEFT_IRIS, RIGHT_IRIS = 468, 473
FOREHEAD_TOP, CHIN, NOSE_TIP = 10, 152, 1
MOUTH_CORNERS = (61, 291)
# The mesh's depth is a learned prior: on frontal portraits the forehead-to-chin axis comes out tilted by
# about this much (measured here on three frontal faces: -9.7°, -6.5°, about -8° on average).
PITCH_NEUTRAL_DEGREES = -8.0


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, width, height in pixels
    score: float


@dataclass(frozen=True)
class FaceGeometry:
    """The mesh of one face in image pixels; ``points`` is 478 × 3 (z in the same unit as x)."""

    points: np.ndarray

    def point(self, index: int) -> np.ndarray:
        return self.points[index, :2]

    @property
    def left_eye(self) -> np.ndarray:
        return self.point(LEFT_IRIS)

    @property
    def right_eye(self) -> np.ndarray:
        return self.point(RIGHT_IRIS)

    @property
    def eye_midpoint(self) -> np.ndarray:
        return (self.left_eye + self.right_eye) / 2

    @property
    def inter_eye_distance(self) -> float:
        return float(np.linalg.norm(self.right_eye - self.left_eye))

    @cached_property
    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the face in camera space: across (image-left eye corner to image-right eye
        corner) and up (chin to top of the forehead, made orthogonal to the first)."""
        across = self.points[RIGHT_EYE["outer"]] - self.points[LEFT_EYE["outer"]]
        across = across / np.linalg.norm(across)
        up = self.points[FOREHEAD_TOP] - self.points[CHIN]
        up = up - across * float(np.dot(across, up))
        return across, up / np.linalg.norm(up)

    @property
    def roll(self) -> float:
        """Degrees; positive when the image-right eye is lower than the image-left eye."""
        across = self.right_eye - self.left_eye
        return math.degrees(math.atan2(float(across[1]), float(across[0])))

    @property
    def yaw(self) -> float:
        """Degrees of head turn; positive when the image-right side of the face is further from the camera."""
        across, _up = self._axes
        return math.degrees(math.asin(float(np.clip(across[2], -1, 1))))

    @property
    def pitch(self) -> float:
        """Degrees of head nod relative to a frontal face; sign as the mesh gives it (positive: the chin
        nearer the camera than on a frontal face, i.e. head tilted back)."""
        _across, up = self._axes
        return math.degrees(math.asin(float(np.clip(up[2], -1, 1)))) - PITCH_NEUTRAL_DEGREES

    @property
    def chin(self) -> np.ndarray:
        return self.point(CHIN)

    @property
    def chin_to_eyes(self) -> float:
        """Distance from the chin to the eye line, measured along the face's own vertical axis."""
        across = self.right_eye - self.left_eye
        normal = np.array([-across[1], across[0]]) / max(float(np.linalg.norm(across)), 1e-6)
        return abs(float(np.dot(self.chin - self.eye_midpoint, normal)))

    @property
    def head_height(self) -> float:
        """Chin to crown. The eyes sit about halfway between chin and crown on an adult head, so the crown is
        estimated as far above the eyes as the chin is below them: hair and headwear do not count."""
        return 2 * self.chin_to_eyes

    @property
    def crown(self) -> np.ndarray:
        return 2 * self.eye_midpoint - self.chin

    def eye_aspect_ratio(self, eye: dict) -> float:
        """Lid opening over eye width (Soukupová and Čech 2016): about 0.25-0.35 open, under 0.15 shut."""
        p = self.points[:, :2]
        opening = sum(
            float(np.linalg.norm(p[a] - p[b])) for a, b in zip(eye["upper"], eye["lower"], strict=True)
        )
        width = float(np.linalg.norm(p[eye["outer"]] - p[eye["inner"]]))
        return opening / (2 * width) if width > 0 else 0.0

    def oval_polygon(self) -> np.ndarray:
        return self.points[list(FACE_OVAL), :2].astype(np.int32)

    def face_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """Boolean mask of the face oval (forehead to chin, cheek to cheek)."""
        mask = np.zeros(shape[:2], np.uint8)
        cv2.fillPoly(mask, [self.oval_polygon()], 1)
        return mask.astype(bool)

    def scaled(self, factor: float, offset: tuple[float, float] = (0.0, 0.0)) -> FaceGeometry:
        points = self.points * factor
        points[:, 0] += offset[0]
        points[:, 1] += offset[1]
        return FaceGeometry(points)


# --- The models ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null: MediaPipe's C++ logging bypasses Python."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


class _Graph:
    """One MediaPipe graph, built on first use and called under a lock. Its native logging is silenced
    until ``logged_all(result)`` says the one-time messages are out (the face mesh logs a warning on its
    first face, not at start-up)."""

    def __init__(self, build, logged_all=lambda _result: True):
        self._build, self._logged_all = build, logged_all
        self._graph, self._quiet, self._lock = None, True, threading.Lock()

    def process(self, rgb: np.ndarray):
        rgb = np.ascontiguousarray(rgb)
        with self._lock:
            if not self._quiet:
                return self._graph.process(rgb)
            with _native_stderr_silenced():
                if self._graph is None:
                    self._graph = self._build()
                result = self._graph.process(rgb)
            self._quiet = not self._logged_all(result)
            return result


def _build_detector():
    from mediapipe.python.solutions import face_detection

    return face_detection.FaceDetection(model_selection=1, min_detection_confidence=DETECTION_CONFIDENCE)


def _build_mesh():
    from mediapipe.python.solutions import face_mesh

    return face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                              min_detection_confidence=DETECTION_CONFIDENCE)  # fmt: skip


def _build_segmenter():
    from mediapipe.python.solutions import selfie_segmentation

    return selfie_segmentation.SelfieSegmentation(model_selection=0)


_detector, _segmenter = _Graph(_build_detector), _Graph(_build_segmenter)
_mesh = _Graph(_build_mesh, logged_all=lambda result: bool(result.multi_face_landmarks))


def shrink_to(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``rgb`` with its longer side at most ``max_side``, and the factor applied."""
    height, width = rgb.shape[:2]
    factor = min(1.0, max_side / max(height, width))
    if factor == 1.0:
        return rgb, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), factor


def detect_faces(rgb: np.ndarray) -> list[Detection]:
    """Every face the full-range detector finds at ``DETECTION_CONFIDENCE`` or more, largest first."""
    small, factor = shrink_to(rgb, DETECTION_MAX_SIDE)
    result = _detector.process(small)
    height, width = rgb.shape[:2]
    found = []
    for detection in result.detections or ():
        box = detection.location_data.relative_bounding_box
        x0, y0 = max(0, round(box.xmin * width)), max(0, round(box.ymin * height))
        x1 = min(width, round((box.xmin + box.width) * width))
        y1 = min(height, round((box.ymin + box.height) * height))
        if x1 > x0 and y1 > y0:
            found.append(Detection((x0, y0, x1 - x0, y1 - y0), float(detection.score[0])))
    return sorted(found, key=lambda d: d.box[2] * d.box[3], reverse=True)


def face_geometry(rgb: np.ndarray, detection: Detection) -> FaceGeometry | None:
    """The mesh of the face in ``detection``: run on a crop twice the face's size, scaled so the face is
    about ``MESH_FACE_PIXELS`` wide (the mesh's own detector is short-range and misses small faces)."""
    x, y, w, h = detection.box
    side = round(2.2 * max(w, h))
    x0, y0 = round(x + w / 2 - side / 2), round(y + h / 2 - side / 2)
    factor = (MESH_FACE_PIXELS * 2.2) / side
    size = max(1, round(side * factor))
    # A square input, padded where the crop leaves the image: the mesh projects its points correctly only
    # for square inputs (and logs a warning otherwise). The part inside the image is resized before
    # padding, so a large face in a large photo costs a resize of the face only.
    resized = _square_crop_resized(rgb, x0, y0, side, size)
    result = _mesh.process(resized)
    if not result.multi_face_landmarks:
        return None
    points = np.array([(p.x * size, p.y * size, p.z * size) for p in result.multi_face_landmarks[0].landmark])
    return FaceGeometry(points).scaled(side / size, (x0, y0))


def _square_crop_resized(rgb: np.ndarray, x0: int, y0: int, side: int, size: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    x1, y1 = min(width, x0 + side), min(height, y0 + side)
    inside = rgb[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
    if inside.size == 0:
        return np.zeros((size, size, 3), np.uint8)
    factor = size / side
    inside_size = (max(1, round(inside.shape[1] * factor)), max(1, round(inside.shape[0] * factor)))
    inside_size = (min(size, inside_size[0]), min(size, inside_size[1]))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    inside = cv2.resize(inside, inside_size, interpolation=interpolation)
    top = min(size - inside_size[1], round(max(0, -y0) * factor))
    left = min(size - inside_size[0], round(max(0, -x0) * factor))
    bottom, right = size - top - inside_size[1], size - left - inside_size[0]
    return cv2.copyMakeBorder(inside, top, bottom, left, right, cv2.BORDER_REPLICATE)


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """Probability (0..1, float32) that each pixel belongs to the person, at the size of ``rgb``."""
    small, _factor = shrink_to(rgb, SEGMENTATION_MAX_SIDE)
    mask = _segmenter.process(small).segmentation_mask
    if mask.shape[:2] != rgb.shape[:2]:
        mask = cv2.resize(mask, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(mask, 0.0, 1.0).astype(np.float32)
