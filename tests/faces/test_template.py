"""Face 1:1: the same person under everyday changes matches, different people do not.

No face data set is available here to measure false non-match and false match rates; these tests only pin
the behaviour on the few public-domain faces shipped with installed packages."""

import cv2
import numpy as np
import pytest

from cancuoc.faces import template
from cancuoc.faces.crop import to_chip_portrait
from cancuoc.faces.errors import FaceError, FaceErrorCode
from cancuoc.faces.template import MATCH_THRESHOLD, compare_faces, face_template, verify_face

from . import portraits


@pytest.fixture(scope="module")
def enrolled(portrait_png):
    return face_template(portrait_png)


def test_a_template_is_128_finite_float32(enrolled):
    assert enrolled.shape == (128,) and enrolled.dtype == np.float32 and np.all(np.isfinite(enrolled))
    assert 0.5 < float(np.linalg.norm(enrolled)) < 1.5  # dlib's descriptors have a norm near 1


SAME_PERSON = {
    "brighter": lambda p: np.clip(p * 1.3 + 10, 0, 255).astype(np.uint8),
    "darker": lambda p: (p * 0.6).astype(np.uint8),
    "rotated_10": lambda p: portraits.rotated(p, 10, (206, 250)),
    "jpeg_quality_20": lambda p: portraits.decoded(portraits.jpeg(p, 20)),
    "cropped": lambda p: np.ascontiguousarray(p[60:460, 40:380]),
    "grey": lambda p: cv2.cvtColor(cv2.cvtColor(p, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB),
    "small": lambda p: cv2.resize(p, (206, 265), interpolation=cv2.INTER_AREA),
}


@pytest.mark.parametrize("name", SAME_PERSON)
def test_the_same_person_under_changes_matches(portrait, enrolled, name):
    comparison = verify_face(portraits.jpeg(SAME_PERSON[name](portrait), 95), enrolled)
    assert comparison.match and comparison.distance < 0.35 and comparison.score > 0.7


def test_the_original_photo_matches_its_chip_portrait(composite, portrait_png):
    chip = to_chip_portrait(portrait_png)
    assert verify_face(portraits.png(composite), chip).match  # a DG2 FaceImage as the reference
    assert verify_face(chip.data, portrait_png).match  # image bytes as the reference


def test_different_people_do_not_match(enrolled):
    comparison = verify_face(portraits.png(portraits.cameraman()), enrolled)
    assert not comparison.match and comparison.distance > MATCH_THRESHOLD + 0.1 and comparison.score < 0.5


def test_grace_hopper_is_not_the_astronaut(enrolled):
    grace = portraits.grace_hopper()
    if grace is None:
        pytest.skip("matplotlib's sample data is not installed")
    comparison = verify_face(portraits.png(grace), enrolled)
    assert not comparison.match and comparison.distance > MATCH_THRESHOLD


def test_the_score_is_one_for_identical_templates_and_a_half_at_the_threshold(enrolled):
    assert compare_faces(enrolled, enrolled) == template.FaceComparison(0.0, 1.0, True)
    shifted = enrolled.copy()
    shifted[0] += MATCH_THRESHOLD
    at_threshold = compare_faces(enrolled, shifted)
    assert at_threshold.distance == pytest.approx(MATCH_THRESHOLD, abs=1e-5)
    assert at_threshold.score == pytest.approx(0.5, abs=1e-4)
    shifted[0] += 0.01
    assert not compare_faces(enrolled, shifted).match
    assert compare_faces(enrolled, shifted, threshold=0.7).match


@pytest.mark.parametrize("bad", [np.zeros(127), np.zeros((2, 128)), np.full(128, np.nan), [0.1] * 3])
def test_a_malformed_template_is_refused(enrolled, bad):
    with pytest.raises(FaceError) as refused:
        compare_faces(enrolled, bad)
    assert refused.value.code == FaceErrorCode.BAD_TEMPLATE


def test_an_image_without_exactly_one_face_has_no_template(portrait):
    with pytest.raises(FaceError) as no_face:
        face_template(portraits.png(np.full((300, 300, 3), 128, np.uint8)))
    with pytest.raises(FaceError) as two_faces:
        face_template(portraits.png(np.concatenate([portrait, portrait], axis=1)))
    with pytest.raises(FaceError) as garbage:
        verify_face(b"\x00" * 100, portrait)  # the probe is read first
    assert (no_face.value.code, two_faces.value.code, garbage.value.code) == (
        FaceErrorCode.NO_FACE, FaceErrorCode.SEVERAL_FACES, FaceErrorCode.NOT_AN_IMAGE)  # fmt: skip
    assert two_faces.value.message_en == "The image shows 2 faces, exactly one is needed"


def test_the_models_are_found_without_importing_their_package():
    import sys

    folder = template.models_folder()
    assert (folder / "dlib_face_recognition_resnet_model_v1.dat").is_file()
    assert "face_recognition_models" not in sys.modules
