"""Pose and eye measures of the face mesh: the mesh of the compliant portrait turned in 3-D by known angles
gives those angles back, and the pose check names the angle that is out of bounds."""

import math

import numpy as np
import pytest

from cancuoc.faces import landmarks, quality
from cancuoc.faces.landmarks import FaceGeometry
from cancuoc.faces.quality import Advice


@pytest.fixture(scope="module")
def geometry(portrait):
    return landmarks.face_geometry(portrait, landmarks.detect_faces(portrait)[0])


def _turned(geometry: FaceGeometry, axis: str, degrees: float) -> FaceGeometry:
    """The mesh rotated about its centroid: "y" turns the head (yaw), "x" nods it (pitch), "z" tilts it (roll)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    rotation = {
        "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
        "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
        "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
    }[axis]
    centre = geometry.points.mean(axis=0)
    return FaceGeometry((geometry.points - centre) @ rotation.T + centre)


def test_the_compliant_face_is_frontal(geometry):
    assert abs(geometry.yaw) < 3 and abs(geometry.pitch) < 5 and 2 < geometry.roll < 4.5  # her own 3° tilt
    assert 100 < geometry.inter_eye_distance < 120
    assert (
        geometry.eye_aspect_ratio(landmarks.LEFT_EYE) > 0.25 < geometry.eye_aspect_ratio(landmarks.RIGHT_EYE)
    )


@pytest.mark.parametrize("degrees", [-20, 20])
def test_a_turned_head_is_measured_and_refused(geometry, degrees):
    turned = _turned(geometry, "y", degrees)
    assert abs(abs(turned.yaw - geometry.yaw) - 20) < 1.5
    result = quality._check_pose(turned, {})
    assert (result.passed, result.advice) == (False, Advice.HEAD_TURNED)
    assert result.message_en.startswith("The face is turned to one side (")


@pytest.mark.parametrize("degrees", [-20, 20])
def test_a_nodding_head_is_measured_and_refused(geometry, degrees):
    nodded = _turned(geometry, "x", degrees)
    assert abs(abs(nodded.pitch - geometry.pitch) - 20) < 1.5
    result = quality._check_pose(nodded, {})
    assert (result.passed, result.advice) == (False, Advice.HEAD_NODDED)


def test_small_turns_pass(geometry):
    for axis in "xyz":
        assert quality._check_pose(_turned(geometry, axis, 4), {}).passed, axis


def test_roll_is_the_angle_of_the_eye_line(geometry):
    tilted = _turned(geometry, "z", 12)
    assert tilted.roll == pytest.approx(geometry.roll + 12, abs=0.01)
    assert tilted.head_height == pytest.approx(geometry.head_height, rel=1e-6)  # measured along the face
    assert quality._check_pose(tilted, {}).advice == Advice.HEAD_TILTED


def test_closed_lids_give_a_small_eye_aspect_ratio(geometry):
    points = geometry.points.copy()
    for eye in (landmarks.LEFT_EYE, landmarks.RIGHT_EYE):
        for upper, lower in zip(eye["upper"], eye["lower"], strict=True):
            points[upper] = points[lower]
    shut = FaceGeometry(points)
    assert shut.eye_aspect_ratio(landmarks.LEFT_EYE) == 0.0
    assert quality._check_eyes(shut, {}).advice == Advice.EYES_CLOSED
