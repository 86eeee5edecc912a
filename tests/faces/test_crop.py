"""The chip portrait: the ICAO frame cut from a capture, small enough for DG2, and itself a portrait that
passes every capture check."""

import cv2
import numpy as np
import pytest

from cancuoc.faces import crop
from cancuoc.faces.crop import to_chip_portrait
from cancuoc.faces.errors import FaceError, FaceErrorCode
from cancuoc.faces.quality import PortraitCheck, check_portrait
from cancuoc.icao.biometrics import JPEG, encode_dg2, parse_dg2

from . import portraits


def _is_baseline_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8") and b"\xff\xc0" in data and b"\xff\xc2" not in data


@pytest.fixture(scope="module")
def chip(portrait_png, portrait_report):
    return to_chip_portrait(portrait_png, portrait_report, gender=2)


def test_the_chip_portrait_is_a_small_baseline_jpeg_of_35_by_45(chip):
    assert (chip.width, chip.height, chip.image_format, chip.gender, chip.face_image_type) == (
        413,
        531,
        JPEG,
        2,
        1,
    )
    assert _is_baseline_jpeg(chip.data)
    assert len(chip.data) <= crop.MAX_CHIP_BYTES
    assert portraits.decoded(chip.data).shape == (531, 413, 3)


def test_the_chip_portrait_has_the_icao_geometry_and_passes_every_check(chip):
    report = check_portrait(chip.data)
    assert report.acceptable, [(result.check, result.message_en) for result in report.failed]
    eye_x, eye_y = report.face.eye_midpoint
    assert abs(eye_x / 413 - 0.5) < 0.02  # ISO/IEC 19794-5: 45-55 %
    assert 0.5 <= 1 - eye_y / 531 <= 0.7  # eye line 50-70 % from the bottom
    assert 0.70 <= report.face.head_height / 531 <= 0.80  # ICAO: chin to crown 70-80 %
    assert abs(report.face.roll) < 1.5  # the astronaut's 3° roll is levelled
    assert report.face.inter_eye_distance >= 90


def test_the_chip_portrait_goes_into_dg2_unchanged(chip):
    assert parse_dg2(encode_dg2(chip)) == chip


def test_a_wider_capture_is_cut_to_the_same_frame(composite):
    """The whole 512 × 512 photo, face small in it: the crop zooms in (and upsamples)."""
    face = to_chip_portrait(portraits.png(composite))
    report = check_portrait(face.data)
    assert (face.width, face.height) == (413, 531) and len(face.data) <= crop.MAX_CHIP_BYTES
    assert report.acceptable, [(result.check, result.message_en) for result in report.failed]


def test_a_tilted_capture_gives_level_eyes(portrait):
    centre = tuple(float(v) for v in np.mean([[153, 244], [262, 258]], axis=0))
    tilted = portraits.rotated(portrait, -6, centre)  # about 9° of roll
    assert abs(check_portrait(portraits.png(tilted)).face.roll) > 8
    report = check_portrait(to_chip_portrait(portraits.png(tilted)).data)
    assert abs(report.face.roll) < 1.5 and report.result(PortraitCheck.POSE).passed


def test_the_report_only_saves_work(portrait_png, portrait_report):
    assert to_chip_portrait(portrait_png, portrait_report).data == to_chip_portrait(portrait_png).data


def test_a_report_of_other_bytes_is_not_trusted(portrait_png, portrait_report, composite):
    # A report of a different-size image must not place the crop: the face is found again.
    wide = portraits.png(composite)
    assert to_chip_portrait(wide, portrait_report).data == to_chip_portrait(wide).data


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda p: portraits.png(np.full((531, 413, 3), 200, np.uint8)), FaceErrorCode.NO_FACE),
        (lambda p: portraits.png(np.concatenate([p, p], axis=1)), FaceErrorCode.SEVERAL_FACES),
        (lambda p: b"not an image", FaceErrorCode.NOT_AN_IMAGE),
        (lambda p: b"", FaceErrorCode.EMPTY),
    ],
)
def test_no_single_face_raises_a_coded_error(portrait, make, code):
    with pytest.raises(FaceError) as refused:
        to_chip_portrait(make(portrait))
    assert refused.value.code == code
    assert refused.value.message_vi and refused.value.message_en


def test_a_picture_that_does_not_compress_is_made_smaller_but_keeps_90_px_between_the_eyes():
    noise = np.random.default_rng(7).integers(0, 256, (531, 413, 3), dtype=np.uint8)
    data, width, height = crop.encode_for_chip(noise, eye_distance=150.0)
    assert width < 413 and width * 150 / 413 >= 90 and height == round(width * 45 / 35)
    assert portraits.decoded(data).shape == (height, width, 3)


def test_a_compressible_picture_keeps_full_size_and_high_quality(portrait):
    data, width, height = crop.encode_for_chip(np.full((531, 413, 3), 230, np.uint8), eye_distance=110.0)
    assert (width, height) == (413, 531) and len(data) < 5_000


def test_a_phone_sized_photo_is_measured_in_its_own_pixels_and_cut_like_the_small_one(
    portrait, portrait_report
):
    """The same portrait at 6 × (2478 × 3186, a phone photo's size): analysis runs on smaller copies, but
    the report speaks in the photo's pixels and the chip portrait comes out the same."""
    large = cv2.resize(portrait, (413 * 6, 531 * 6), interpolation=cv2.INTER_CUBIC)
    data = portraits.jpeg(large, 90)
    report = check_portrait(data)
    assert report.acceptable, [(result.check, result.message_en) for result in report.failed]
    assert report.image_size == (2478, 3186)
    assert report.face.inter_eye_distance == pytest.approx(
        6 * portrait_report.face.inter_eye_distance, rel=0.03
    )
    assert np.allclose(report.face.eye_midpoint, np.multiply(portrait_report.face.eye_midpoint, 6), rtol=0.02)
    assert report.measures["sharpness"] == pytest.approx(portrait_report.measures["sharpness"], rel=0.15)
    chip = check_portrait(to_chip_portrait(data, report).data)
    assert chip.acceptable and abs(chip.face.eye_midpoint[0] / 413 - 0.5) < 0.02
    assert 0.70 <= chip.face.head_height / 531 <= 0.80
