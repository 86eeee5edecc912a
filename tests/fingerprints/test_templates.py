"""ISO/IEC 19794-2:2005 finger minutiae records: layout, round trip, and refusal of anything else."""

import math
import struct

import numpy as np
import pytest

from cancuoc.fingerprints.errors import FingerprintError, FingerprintErrorCode
from cancuoc.fingerprints.evaluation import person_templates
from cancuoc.fingerprints.templates import (
    FingerTemplate,
    decode_iso19794_2,
    encode_iso19794_2,
    extract_template,
)

SEED = 11


@pytest.fixture(scope="module")
def fingers():
    return person_templates(SEED, 1, 1, (2, 7))


def test_extraction_finds_minutiae_in_a_synthetic_print(fingers):
    template = fingers[2]
    assert template.position == 2 and (template.width, template.height) == (320, 400)
    assert 20 <= len(template) <= 120
    x, y, angle, quality = template.minutiae.T
    assert (x >= 0).all() and (x < 320).all() and (y >= 0).all() and (y < 400).all()
    assert (
        (angle >= 0).all() and (angle < 2 * math.pi).all() and (quality >= 1).all() and (quality <= 100).all()
    )
    assert set(np.unique(template.types)) <= {1, 2}


def test_record_layout_is_the_2005_one(fingers):
    record = encode_iso19794_2(fingers)
    assert record[:8] == b"FMR\x00 20\x00"
    assert struct.unpack(">I", record[8:12])[0] == len(record)
    assert struct.unpack(">HH", record[18:22]) == (197, 197)  # 500 ppi in pixels per centimetre
    assert record[22] == 2  # two finger views
    assert record[24] == 2 and record[28 + 6 * len(fingers[2]) + 2] == 7  # positions in ascending order
    assert len(record) == 24 + sum(4 + 6 * len(t) + 2 for t in fingers.values())


def test_round_trip_keeps_every_minutia(fingers):
    decoded = decode_iso19794_2(encode_iso19794_2(fingers))
    assert sorted(decoded) == [2, 7]
    for position, original in fingers.items():
        again = decoded[position]
        assert again.position == position and len(again) == len(original)
        assert np.array_equal(again.minutiae[:, :2], np.round(original.minutiae[:, :2]))
        step = 2 * math.pi / 256
        difference = np.abs(
            (again.minutiae[:, 2] - original.minutiae[:, 2] + math.pi) % (2 * math.pi) - math.pi
        )
        assert difference.max() <= step / 2 + 1e-9
        assert np.array_equal(again.minutiae[:, 3], original.minutiae[:, 3])
        assert np.array_equal(again.types, original.types)
    # Encoding what was decoded gives the same bytes.
    assert encode_iso19794_2(decoded) == encode_iso19794_2(fingers)


def _code(data):
    with pytest.raises(FingerprintError) as caught:
        decode_iso19794_2(data)
    return caught.value.code


def test_garbage_and_damaged_records_are_refused(fingers):
    record = encode_iso19794_2(fingers)
    rng = np.random.default_rng(3)
    damaged = {
        "random bytes": rng.integers(0, 256, 300, dtype=np.uint8).tobytes(),
        "empty": b"",
        "truncated": record[:-7],
        "header only": record[:24],
        "wrong version": record[:4] + b"030\x00" + record[8:],
        "too short": b"FMR\x00 20\x00" + record[8:10],
        "length field lies": record[:8] + struct.pack(">I", len(record) + 10) + record[12:],
        "trailing bytes": record[:8] + struct.pack(">I", len(record) + 3) + record[12:] + b"abc",
        "position 11": record[:24] + bytes([11]) + record[25:],
        "duplicate position": record[:24] + bytes([7]) + record[25:],
    }
    for name, data in damaged.items():
        assert _code(data) == FingerprintErrorCode.TEMPLATE_UNREADABLE, name
    with pytest.raises(FingerprintError):
        decode_iso19794_2("FMR")


def test_minutia_outside_the_image_is_refused():
    template = FingerTemplate(1, 100, 100, np.array([[10.0, 20.0, 1.0, 50.0]]), 40, np.array([1]))
    record = bytearray(encode_iso19794_2({1: template}))
    record[28:30] = struct.pack(">H", (1 << 14) | 150)  # x = 150 on a 100-pixel-wide image
    assert _code(bytes(record)) == FingerprintErrorCode.TEMPLATE_UNREADABLE


def test_encoding_refuses_what_the_record_cannot_hold(fingers):
    with pytest.raises(FingerprintError):
        encode_iso19794_2({})
    with pytest.raises(FingerprintError) as caught:
        encode_iso19794_2({3: fingers[2]})  # a template filed under another position
    assert caught.value.code == FingerprintErrorCode.TEMPLATE_INVALID
    with pytest.raises(FingerprintError) as caught:
        encode_iso19794_2({0: FingerTemplate(0, 10, 10, np.zeros((0, 4)))})
    assert caught.value.code == FingerprintErrorCode.POSITION_INVALID


def test_position_zero_is_an_unplaced_finger_that_can_be_checked_not_enrolled():
    from cancuoc.fingerprints.synth import generate_finger

    template = extract_template(generate_finger(SEED, 1, 2, 1), 0, assess_quality=False)
    assert template.position == 0 and len(template) > 0
    with pytest.raises(FingerprintError):
        extract_template(np.zeros((200, 200), np.uint8), 11)
