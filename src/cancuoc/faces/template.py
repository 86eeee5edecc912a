"""Face 1:1 verification: a 128-number template per face and the distance between two templates.

The template is dlib's ResNet face descriptor (``dlib_face_recognition_resnet_model_v1``, a 29-layer
ResNet trained with a metric loss on about 3 million faces) computed on the face aligned by dlib's
5-point shape predictor. The weights are the files of the ``face_recognition_models`` package, found on
disk without importing it (its ``__init__`` imports ``pkg_resources``, which warns).

The face is found by the same MediaPipe detector as the quality checks, so "one face" means the same in
both places; dlib's 5-point predictor then places the eye corners and the nose inside that box.

Threshold: dlib documents that two descriptors at a Euclidean distance under 0.6 are the same person,
the threshold at which the model reaches 99.38 % on the LFW benchmark. ``MATCH_THRESHOLD`` keeps that
value. It was not calibrated here: no face data set is available in this project to measure the false
non-match and false match rates, and LFW is mostly faces of European descent; before this decides
anything on its own, the threshold must be measured on Vietnamese enrolment photos (at a chosen FMR,
e.g. 0.1 %), which may well give a lower value.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cancuoc.icao.biometrics import FaceImage

from . import landmarks
from .errors import FaceError, FaceErrorCode
from .images import decode_image

TEMPLATE_SIZE = 128
MATCH_THRESHOLD = 0.6
# The descriptor is computed on a 150 × 150 chip; larger inputs only cost time.
TEMPLATE_MAX_SIDE = 1024


@dataclass(frozen=True)
class FaceComparison:
    distance: float  # Euclidean distance between the two templates (0 = identical)
    score: float  # 1 - distance / (2 × threshold), clipped to 0..1: 0.5 at the threshold, not a probability
    match: bool  # distance <= threshold

    def as_dict(self) -> dict:
        return {"distance": round(self.distance, 4), "score": round(self.score, 4), "match": self.match}


class _Models:
    """dlib's shape predictor and descriptor network, loaded once (about 0.1 s and 30 MB)."""

    def __init__(self):
        self._lock, self._loaded = threading.Lock(), None

    def get(self):
        with self._lock:
            if self._loaded is None:
                import dlib

                folder = models_folder()
                self._loaded = (
                    dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat")),
                    dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat")),
                )
            return self._loaded


_models = _Models()


def models_folder() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face_recognition_models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def face_template(data: bytes) -> np.ndarray:
    """The 128-float32 template of the one face in ``data``; :class:`FaceError` if there is not exactly one."""
    return template_of_array(decode_image(data).rgb)


def template_of_array(rgb: np.ndarray) -> np.ndarray:
    import dlib

    small, factor = landmarks.shrink_to(rgb, TEMPLATE_MAX_SIDE)
    faces = landmarks.detect_faces(small)
    if not faces:
        raise FaceError(FaceErrorCode.NO_FACE)
    if len(faces) > 1:
        raise FaceError(FaceErrorCode.SEVERAL_FACES, count=len(faces))
    x, y, w, h = faces[0].box
    predictor, network = _models.get()
    # dlib's network object keeps scratch buffers: one face at a time per process.
    with _dlib_lock:
        shape = predictor(small, dlib.rectangle(x, y, x + w, y + h))
        descriptor = network.compute_face_descriptor(small, shape)
    return np.asarray(descriptor, dtype=np.float32)


_dlib_lock = threading.Lock()


def _as_template(value) -> np.ndarray:
    template = np.asarray(value, dtype=np.float32)
    if template.shape != (TEMPLATE_SIZE,) or not np.all(np.isfinite(template)):
        raise FaceError(FaceErrorCode.BAD_TEMPLATE)
    return template


def compare_faces(a: np.ndarray, b: np.ndarray, *, threshold: float = MATCH_THRESHOLD) -> FaceComparison:
    distance = float(np.linalg.norm(_as_template(a) - _as_template(b)))
    score = float(np.clip(1 - distance / (2 * threshold), 0.0, 1.0))
    return FaceComparison(distance, score, distance <= threshold)


def verify_face(probe_image: bytes, enrolled: bytes | FaceImage | np.ndarray, *,
                threshold: float = MATCH_THRESHOLD) -> FaceComparison:  # fmt: skip
    """Is the face in ``probe_image`` the enrolled person? ``enrolled`` is a portrait (image bytes, or the
    chip's DG2 ``FaceImage``) or a stored template."""
    probe = face_template(probe_image)
    if isinstance(enrolled, FaceImage):
        enrolled = enrolled.data
    reference = (
        face_template(bytes(enrolled)) if isinstance(enrolled, bytes | bytearray) else _as_template(enrolled)
    )
    return compare_faces(probe, reference, threshold=threshold)
