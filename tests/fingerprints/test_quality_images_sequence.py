"""Finger quality with reasons, reading finger images safely, and the sequence check."""

import io

import numpy as np
import pytest
from PIL import Image

from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode
from cancuoc.fingerprints.evaluation import person_templates
from cancuoc.fingerprints.images import MAX_PIXELS, load_finger_image
from cancuoc.fingerprints.quality import (
    ACCEPTABLE_SCORE,
    FINGER_EXCEPTION_LABELS,
    FingerException,
    QualityReason,
    assess_finger,
)
from cancuoc.fingerprints.sequence import repeated_fingers
from cancuoc.fingerprints.synth import generate_finger

SEED = 5


@pytest.fixture(scope="module")
def good():
    return generate_finger(SEED, 1, 2, 1)


def _codes(quality):
    return {code for code, _vi, _en in quality.reasons}


def test_a_good_print_is_acceptable(good):
    quality = assess_finger(good)
    assert quality.acceptable and quality.score >= ACCEPTABLE_SCORE and quality.reasons == ()


def test_blank_and_noise_score_low_with_a_reason():
    blank = assess_finger(np.full((400, 320), 245, np.uint8))
    noise = assess_finger(np.random.default_rng(1).integers(0, 256, (400, 320)).astype(np.uint8))
    for quality, reason in ((blank, QualityReason.BLANK), (noise, QualityReason.NO_RIDGES)):
        assert not quality.acceptable and quality.score < ACCEPTABLE_SCORE
        assert _codes(quality) == {reason}
        code, vietnamese, english = quality.reasons[0]
        assert vietnamese and english and vietnamese != english


def test_reasons_an_officer_can_act_on(good):
    partial = good.copy()
    partial[:260] = 235  # only the lower part of the finger touched the glass
    dark = (good * 0.3).astype(np.uint8)  # wet finger or pressed too hard
    faint = (255 - (255 - good.astype(float)) * 0.25).astype(np.uint8)  # dry finger, too light a touch
    assert QualityReason.FINGER_TOO_SMALL in _codes(assess_finger(partial))
    assert QualityReason.TOO_DARK in _codes(assess_finger(dark))
    assert QualityReason.TOO_LIGHT in _codes(assess_finger(faint))
    assert all(not assess_finger(image).acceptable for image in (partial, dark, faint))


def test_finger_exceptions_have_both_labels():
    assert {str(e) for e in FingerException} == {"amputated", "bandaged", "unreadable"}
    assert all(vi and en and vi != en for vi, en in FINGER_EXCEPTION_LABELS.values())


def _png(array, mode="L"):
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_png_and_jpeg_load_as_grey(good):
    assert np.array_equal(load_finger_image(_png(good)), good)
    assert load_finger_image(_png(good, "RGB")).shape == good.shape
    buffer = io.BytesIO()
    Image.fromarray(good).save(buffer, format="JPEG", quality=95)
    loaded = load_finger_image(buffer.getvalue())
    assert loaded.dtype == np.uint8 and np.abs(loaded.astype(int) - good).mean() < 5


def _error(data):
    with pytest.raises(FingerprintError) as caught:
        load_finger_image(data)
    return caught.value.code


def test_unusable_files_are_refused_with_a_code(good):
    assert _error(b"") == FingerprintErrorCode.IMAGE_UNREADABLE
    assert _error(b"\x89PNG\r\n\x1a\n garbage") == FingerprintErrorCode.IMAGE_UNREADABLE
    assert _error(b"\xff\xa0\xff\xa8\x00\x7f") == FingerprintErrorCode.IMAGE_UNREADABLE  # a WSQ start, no frame
    gif = io.BytesIO()
    Image.fromarray(good).save(gif, format="GIF")
    assert _error(gif.getvalue()) == FingerprintErrorCode.IMAGE_FORMAT_UNSUPPORTED
    assert _error(_png(np.zeros((100, 400), np.uint8))) == FingerprintErrorCode.IMAGE_WRONG_SIZE
    assert _error(_png(np.zeros((400, 2100), np.uint8))) == FingerprintErrorCode.IMAGE_WRONG_SIZE


def test_a_decompression_bomb_is_refused_before_decoding():
    # 20,000 × 20,000 one-bit pixels compress to a few kilobytes; decoded as grey they would be 400 MB
    # (over Pillow's own limit as well: refused by it, reported with our code).
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")
    data = buffer.getvalue()
    assert len(data) < 100_000
    assert _error(data) == FingerprintErrorCode.IMAGE_TOO_LARGE
    assert 20_000 * 20_000 > MAX_PIXELS


def test_the_same_finger_under_two_positions_is_caught():
    fingers = dict(person_templates(SEED, 1, 1, (2, 7)))
    assert repeated_fingers(fingers) == []
    # The officer captured the right index finger again in place of the left index finger.
    again = person_templates(SEED, 1, 2, (2,))[2]
    from cancuoc.fingerprints.templates import FingerTemplate

    fingers[7] = FingerTemplate(7, again.width, again.height, again.minutiae, again.quality, again.types)
    pairs = repeated_fingers(fingers)
    assert [(a, b) for a, b, _score in pairs] == [(2, 7)]
    # The very same image filed twice scores far higher still.
    fingers[7] = FingerTemplate(
        7, fingers[2].width, fingers[2].height, fingers[2].minutiae, 0, fingers[2].types
    )
    assert repeated_fingers(fingers)[0][2] > pairs[0][2]


def test_a_large_image_under_pillows_limit_is_refused_by_ours():
    buffer = io.BytesIO()
    Image.new("1", (3_000, 3_000)).save(buffer, format="PNG")
    assert _error(buffer.getvalue()) == FingerprintErrorCode.IMAGE_TOO_LARGE


def test_a_face_photo_is_not_a_fingerprint():
    import numpy as np
    from PIL import Image
    from skimage import data

    from cancuoc.fingerprints.quality import QualityReason, assess_finger
    from cancuoc.fingerprints.synth import generate_finger

    face = np.asarray(Image.fromarray(data.astronaut()).convert("L").resize((320, 400)))
    assessed = assess_finger(face)
    assert not assessed.acceptable and assessed.score == 0
    assert assessed.reasons[0][0] == QualityReason.NO_RIDGES
    assert assess_finger(generate_finger(3, 1, 1, 1)).acceptable
