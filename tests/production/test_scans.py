"""Reading what a station scans (pure): a serial, an MRZ (three lines or one run of 90 characters), a QR
payload; anything else is unreadable, never an exception of another kind."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.icao import mrz, qr
from cancuoc.production import fileformat, scans
from cancuoc.rules.cardstates import make_serial

LINES = mrz.encode(mrz.MrzData("001090012345", "Nguyễn", "Văn An", date(1990, 3, 15), "M", date(2030, 3, 15)))


def test_a_serial_typed_loosely_is_read():
    serial = make_serial(2026, 42)
    for typed in (serial, serial.lower(), f"  {serial[:6]} {serial[6:]} ", f"{serial[:6]}-{serial[6:]}"):
        assert scans.read_scan(typed) == scans.Scan("serial", serial=serial)


def test_the_mrz_is_read_on_three_lines_or_one_and_hashed_as_the_card_keeps_it():
    expected = scans.mrz_digest(LINES)
    for text in ("\n".join(LINES), "\r\n".join(LINES) + "\r\n", "".join(LINES), "\n".join(line.lower() for line in LINES)):
        scan = scans.read_scan(text)
        assert (scan.kind, scan.id_number, scan.mrz_sha256) == ("mrz", "001090012345", expected)
    broken = LINES[0][:-1] + ("0" if LINES[0][-1] != "0" else "1")  # a wrong check digit
    with pytest.raises(scans.ScanUnreadable):
        scans.read_scan("\n".join([broken, *LINES[1:]]))


def test_the_qr_payload_names_the_holder_and_the_issue_date():
    payload = qr.build(qr.QrData("001090012345", "", "Nguyễn Văn An", date(1990, 3, 15), "M", "Hà Nội",
                                 date(2026, 12, 2)))  # fmt: skip
    assert scans.read_scan(payload) == scans.Scan("qr", id_number="001090012345", issue_date=date(2026, 12, 2))


@given(st.text(max_size=1200))
def test_any_text_is_read_or_refused_cleanly(text):
    try:
        scans.read_scan(text)
    except (scans.ScanEmpty, scans.ScanUnreadable):
        pass


@given(st.binary(max_size=200))
def test_any_envelope_is_opened_or_refused_cleanly(data):
    key = fileformat.load_private_key(fileformat.generate_machine_key()[0])
    with pytest.raises(fileformat.EnvelopeError):
        fileformat.open_chip_key(data, key, associated=b"B/C")
