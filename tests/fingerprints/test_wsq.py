"""WSQ finger images: decoded by NBIS's codec in a child process, so that a damaged file is refused with a code
and never takes the process down (the codec crashes on some of the files made here when run in-process)."""

import io
import random
import struct

import numpy as np
import pytest
from PIL import Image

from cancuoc.fingerprints import wsq
from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode
from cancuoc.fingerprints.images import load_finger_image
from cancuoc.fingerprints.synth import generate_finger
from cancuoc.fingerprints.templates import extract_template


def _wsq_bytes(pixels: np.ndarray) -> bytes:
    import wsq as plugin  # noqa: F401  (registers the encoder with Pillow: encoding trusted pixels is safe)

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "WSQ")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def finger():
    return generate_finger(2026, 7, 2, 1)


@pytest.fixture(scope="module")
def encoded(finger):
    return _wsq_bytes(finger)


def test_a_wsq_print_reads_like_the_png_it_was_made_from(finger, encoded):
    assert encoded.startswith(wsq.WSQ_MAGIC) and len(encoded) < finger.size / 5  # compressed about 12:1
    pixels = load_finger_image(encoded)
    assert pixels.shape == finger.shape and pixels.dtype == np.uint8
    assert np.sqrt(((pixels.astype(float) - finger) ** 2).mean()) < 12  # lossy, but the ridges are there
    from_wsq = extract_template(pixels, 2, assess_quality=False)
    from_png = extract_template(finger, 2, assess_quality=False)
    assert len(from_wsq.minutiae) >= 0.7 * len(from_png.minutiae) > 10


def test_the_header_is_read_without_decoding(encoded, finger):
    assert wsq.frame_size(encoded) == (finger.shape[1], finger.shape[0])
    with pytest.raises(wsq.WsqUnreadable):
        wsq.frame_size(b"\xff\xa0\xff\xa8\x00")  # a segment longer than the file


def test_an_oversized_frame_is_refused_before_any_pixel_is_decoded(encoded):
    position = encoded.index(b"\xff\xa2")
    huge = encoded[: position + 6] + struct.pack(">HH", 30000, 30000) + encoded[position + 10 :]
    with pytest.raises(FingerprintError) as refused:
        load_finger_image(huge)
    assert refused.value.code is FingerprintErrorCode.IMAGE_TOO_LARGE


def test_damaged_files_are_refused_with_a_code_and_this_process_lives_on(encoded):
    rng = random.Random(3)  # this seed's corpus crashed the codec in-process when it was written
    codes = set()
    for _ in range(24):
        data = bytearray(encoded)
        if rng.random() < 0.5:
            data = data[: rng.randrange(4, len(data))]
        else:
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            load_finger_image(bytes(data))
            codes.add("read")  # a flipped bit in the pixels' data still decodes: a valid, noisier print
        except FingerprintError as error:
            codes.add(error.code)
    assert codes <= {"read", FingerprintErrorCode.IMAGE_UNREADABLE, FingerprintErrorCode.IMAGE_WRONG_SIZE,
                     FingerprintErrorCode.IMAGE_TOO_LARGE}  # fmt: skip
    assert FingerprintErrorCode.IMAGE_UNREADABLE in codes


def test_a_file_that_crashes_the_codec_kills_only_the_child(encoded):
    rng = random.Random(11)  # this damage made NBIS's decoder die of a segmentation fault in-process, and
    # in the child now and then: it reads memory it does not own, so what happens depends on the heap
    assert rng.choice(["trunc", "flip", "garbage"]) == "flip"
    data = bytearray(encoded)
    for _ in range(rng.randrange(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    for _ in range(3):  # whatever the child does, this process answers and lives on
        try:
            pixels = load_finger_image(bytes(data))
        except FingerprintError as refused:
            assert refused.code is FingerprintErrorCode.IMAGE_UNREADABLE
        else:
            assert pixels.shape == (400, 320)


def test_a_decoder_that_dies_is_one_unreadable_file(monkeypatch, encoded):
    import subprocess

    class Died:
        returncode, stdout = -11, b""  # SIGSEGV

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Died())
    with pytest.raises(FingerprintError) as refused:
        load_finger_image(encoded)
    assert refused.value.code is FingerprintErrorCode.IMAGE_UNREADABLE
