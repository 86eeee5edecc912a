"""Capture checks: a compliant portrait passes every check; each faulty variant of it fails exactly the check
it was made to fail, with the instruction for that fault; hostile files give a report, never an exception."""

import io
import json
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from cancuoc.faces import quality
from cancuoc.faces.errors import FaceError, FaceErrorCode
from cancuoc.faces.images import MAX_PIXELS, decode_image
from cancuoc.faces.quality import Advice, PortraitCheck, check_portrait

from . import portraits

VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def test_the_compliant_portrait_passes_every_check(portrait_report):
    report = portrait_report
    assert [result.check for result in report.checks] == list(PortraitCheck)
    assert report.acceptable, [(result.check, result.message_en) for result in report.failed]
    assert report.failed == ()
    assert report.image_size == (413, 531)
    assert report.face.inter_eye_distance >= quality.MIN_INTER_EYE_PIXELS
    assert 0.70 <= report.face.head_height / 531 <= 0.76
    x, y, w, h = report.face_box
    assert x < report.face.eye_midpoint[0] < x + w and y < report.face.eye_midpoint[1] < y + h


def test_the_report_is_plain_json(portrait_report):
    as_dict = json.loads(json.dumps(portrait_report.as_dict()))
    assert as_dict["acceptable"] is True and as_dict["failed"] == []
    assert [check["check"] for check in as_dict["checks"]] == [str(check) for check in PortraitCheck]
    assert as_dict["checks"][1]["message_en"].startswith("Resolution is sufficient")
    assert len(as_dict["face"]["left_eye"]) == 2 and as_dict["image_size"] == [413, 531]


def _face_centre(portrait):
    geometry = quality.landmarks.face_geometry(portrait, quality.landmarks.detect_faces(portrait)[0])
    return tuple(float(value) for value in geometry.eye_midpoint)


VARIANTS = {
    "far": (lambda p: portraits.far(p), PortraitCheck.FACE_SIZE, Advice.MOVE_CLOSER),
    "off_centre": (lambda p: portraits.off_centre(p), PortraitCheck.FACE_POSITION, Advice.TOO_FAR_RIGHT),
    "off_centre_left": (lambda p: portraits.off_centre(p[:, ::-1])[:, ::-1], PortraitCheck.FACE_POSITION,
                        Advice.TOO_FAR_LEFT),
    "rotated_25": (lambda p: portraits.rotated(p, 25, _face_centre(p)), PortraitCheck.POSE, Advice.HEAD_TILTED),
    "eyes_painted_shut": (portraits.eyes_painted_shut, PortraitCheck.EYES_VISIBLE, Advice.EYES_CLOSED),
    "darkened": (portraits.darkened, PortraitCheck.EXPOSURE, Advice.TOO_DARK),
    "over_exposed": (lambda p: np.clip(p * 1.5, 0, 255).astype(np.uint8), PortraitCheck.EXPOSURE, Advice.TOO_BRIGHT),
    "half_in_shadow": (portraits.shadowed, PortraitCheck.EXPOSURE, Advice.UNEVEN_LIGHT),
    "blurred": (lambda p: cv2.GaussianBlur(p, (0, 0), 3), PortraitCheck.SHARPNESS, Advice.BLURRED),
    "slightly_blurred": (lambda p: cv2.GaussianBlur(p, (0, 0), 2), PortraitCheck.SHARPNESS, Advice.BLURRED),
    "busy_background": (portraits.busy_background, PortraitCheck.BACKGROUND, Advice.BUSY_BACKGROUND),
    "dark_background": (lambda p: portraits.on_plain_background(p, (70, 70, 80)), PortraitCheck.BACKGROUND,
                        Advice.DARK_BACKGROUND),
}  # fmt: skip


@pytest.mark.parametrize("name", VARIANTS)
def test_each_fault_fails_exactly_its_check(portrait, name):
    make, check, advice = VARIANTS[name]
    report = check_portrait(portraits.png(np.ascontiguousarray(make(portrait))))
    assert [(result.check, result.advice) for result in report.failed] == [(check, advice)]
    assert len(report.checks) == len(PortraitCheck)
    (failed,) = report.failed
    assert failed.message_vi == quality.MESSAGES[advice][0].format(value=failed.value)
    assert failed.value is not None


def test_a_small_tilt_passes_and_a_tilt_past_eight_degrees_fails(portrait):
    centre = _face_centre(portrait)
    # The astronaut's own head is rolled about 3°: turning the picture 3° anticlockwise levels it, 7°
    # clockwise brings it to about 10°.
    levelled = check_portrait(portraits.png(portraits.rotated(portrait, 3, centre)))
    tilted = check_portrait(portraits.png(portraits.rotated(portrait, -7, centre)))
    assert levelled.result(PortraitCheck.POSE).passed and abs(levelled.face.roll) < 2
    assert tilted.failed and tilted.failed[0].advice == Advice.HEAD_TILTED
    assert tilted.failed[0].value > quality.MAX_ROLL_DEGREES


def test_two_faces_side_by_side_fail_one_face_and_skip_the_face_checks(portrait):
    report = check_portrait(portraits.png(np.concatenate([portrait, portrait], axis=1)))
    assert [result.check for result in report.checks] == [PortraitCheck.DECODES, PortraitCheck.RESOLUTION,
                                                          PortraitCheck.ONE_FACE]  # fmt: skip
    assert [(result.check, result.advice, result.value) for result in report.failed] == [
        (PortraitCheck.ONE_FACE, Advice.SEVERAL_FACES, 2.0)
    ]
    assert (
        report.failed[0].message_en.startswith("2 faces") and report.face is None and report.face_box is None
    )


def test_a_picture_without_a_face_says_so():
    report = check_portrait(portraits.png(np.full((531, 413, 3), 200, np.uint8)))
    assert [(result.check, result.advice) for result in report.failed] == [
        (PortraitCheck.ONE_FACE, Advice.NO_FACE)
    ]


def test_a_tiny_picture_fails_resolution_and_face():
    report = check_portrait(portraits.png(np.full((40, 30, 3), 200, np.uint8)))
    assert [(result.check, result.advice) for result in report.failed] == [
        (PortraitCheck.RESOLUTION, Advice.IMAGE_TOO_SMALL), (PortraitCheck.ONE_FACE, Advice.NO_FACE)]  # fmt: skip


def test_a_low_resolution_face_fails_resolution(portrait):
    small = cv2.resize(portrait, (330, 425), interpolation=cv2.INTER_AREA)  # eyes about 88 px apart
    canvas = np.full((425, 413, 3), portraits.BACKGROUND, np.uint8)
    canvas[:, 41:371] = small
    report = check_portrait(portraits.png(canvas))
    assert (PortraitCheck.RESOLUTION, Advice.TOO_FEW_FACE_PIXELS) in [
        (r.check, r.advice) for r in report.failed
    ]
    assert report.result(PortraitCheck.RESOLUTION).value < quality.MIN_INTER_EYE_PIXELS


# --- Hostile and unusual files ----------------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A 1-bit PNG of ``width`` × ``height`` black pixels: a few kilobytes that decode to a huge image."""
    compressor, row = zlib.compressobj(9), b"\x00" * (1 + (width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


HOSTILE = {
    "empty": (lambda p: b"", Advice.NOT_AN_IMAGE),
    "garbage": (lambda p: bytes(range(256)) * 40, Advice.NOT_AN_IMAGE),
    "truncated_jpeg": (lambda p: portraits.jpeg(p)[:6000], Advice.NOT_AN_IMAGE),
    "png_header_only": (lambda p: portraits.png(p)[:60], Advice.NOT_AN_IMAGE),
    "text": (lambda p: "Ảnh chân dung".encode(), Advice.NOT_AN_IMAGE),
    # Over Pillow's own limit (it warns, then refuses at twice the limit) and over this package's cap.
    "bomb_100_megapixels": (lambda p: bomb_png(10_000, 10_000), Advice.IMAGE_TOO_LARGE),
    "bomb_200_megapixels": (lambda p: bomb_png(20_000, 10_000), Advice.IMAGE_TOO_LARGE),
    "bomb_under_pillow_limit": (lambda p: bomb_png(8_000, 8_000), Advice.IMAGE_TOO_LARGE),
    "file_too_large": (lambda p: b"\xff\xd8" + bytes(20_000_001), Advice.IMAGE_TOO_LARGE),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_fail_decodes_without_raising(portrait, name):
    make, advice = HOSTILE[name]
    report = check_portrait(make(portrait))
    assert [(result.check, result.passed, result.advice) for result in report.checks] == [
        (PortraitCheck.DECODES, False, advice)
    ]
    assert not report.acceptable and report.face_box is None
    json.dumps(report.as_dict())


@pytest.mark.parametrize("width, height", [(8_000, 8_000), (10_000, 10_000), (20_000, 10_000)])
def test_a_bomb_is_refused_from_its_header_with_its_pixel_count(width, height):
    data = bomb_png(width, height)
    assert len(data) < 300_000 and width * height > MAX_PIXELS
    with pytest.raises(FaceError) as refused:
        decode_image(data)
    assert refused.value.code == FaceErrorCode.TOO_MANY_PIXELS
    assert refused.value.values == {"pixels": width * height, "limit": MAX_PIXELS}


def test_damaged_jpegs_never_raise(portrait):
    original = bytearray(portraits.jpeg(portrait))
    random = np.random.default_rng(11)
    for _ in range(25):
        damaged = original.copy()
        for position in random.integers(2, len(damaged), 8):
            damaged[position] = int(random.integers(0, 256))
        report = check_portrait(bytes(damaged))
        assert report.checks[0].check == PortraitCheck.DECODES
        json.dumps(report.as_dict())


def _saved(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


UNUSUAL = {
    "cmyk_jpeg": lambda p: _saved(Image.fromarray(p).convert("CMYK"), "JPEG", quality=92),
    "rgba_png": lambda p: _saved(Image.fromarray(p).convert("RGBA"), "PNG"),
    "grey_png": lambda p: _saved(Image.fromarray(p).convert("L"), "PNG"),
    "grey_16_bit_png": lambda p: _saved(Image.fromarray(np.asarray(Image.fromarray(p).convert("L"), np.uint16) * 257), "PNG"),
    "palette_png": lambda p: _saved(Image.fromarray(p).convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
    "webp": lambda p: _saved(Image.fromarray(p), "WEBP", quality=90),
}  # fmt: skip


@pytest.mark.parametrize("name", UNUSUAL)
def test_unusual_image_modes_are_decoded_and_checked(portrait, name):
    report = check_portrait(UNUSUAL[name](portrait))
    assert report.result(PortraitCheck.DECODES).passed
    assert report.result(PortraitCheck.ONE_FACE).passed
    assert report.image_size == (413, 531)
    assert report.result(PortraitCheck.EXPOSURE).passed and report.result(PortraitCheck.SHARPNESS).passed


def test_a_16_bit_image_is_scaled_not_clipped(portrait):
    grey = np.asarray(Image.fromarray(portrait).convert("L"), np.uint16) * 257
    report = check_portrait(_saved(Image.fromarray(grey), "PNG"))
    # Clipping at 255 would make the face white and fail exposure.
    assert 150 < report.measures["face_median_luma"] < 200


def test_a_transparent_background_becomes_light(portrait):
    rgba = np.dstack([portrait, np.full(portrait.shape[:2], 255, np.uint8)])
    person = quality.landmarks.person_mask(portrait) > 0.5
    rgba[~person, 3] = 0
    rgba[~person, :3] = 0  # black under the transparency: only the alpha channel makes it light
    report = check_portrait(_saved(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert report.result(PortraitCheck.BACKGROUND).passed


def test_the_exif_orientation_of_a_phone_photo_is_applied(portrait):
    sideways = Image.fromarray(np.ascontiguousarray(np.rot90(portrait)))  # stored lying on its side
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    report = check_portrait(_saved(sideways, "JPEG", quality=92, exif=exif))
    assert report.image_size == (413, 531)
    assert report.acceptable, [(result.check, result.message_en) for result in report.failed]


# --- Messages --------------------------------------------------------------------------------------


def test_every_advice_has_a_vietnamese_and_an_english_message():
    assert set(quality.MESSAGES) == set(Advice)
    for advice, (message_vi, message_en) in quality.MESSAGES.items():
        message_vi.format(value=1.0), message_en.format(value=1.0)
        assert message_vi != message_en, advice
        assert VIETNAMESE_LETTERS & set(message_vi.lower()), advice


def test_failure_messages_tell_the_officer_what_to_do():
    assert quality.MESSAGES[Advice.MOVE_CLOSER] == (
        "Khuôn mặt quá nhỏ trong khung hình: đưa máy ảnh lại gần hơn",
        "The face is too small in the frame: move the camera closer",
    )
    assert "thêm đèn" in quality.MESSAGES[Advice.TOO_DARK][0]
