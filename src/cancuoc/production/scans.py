"""What a station officer scans when a parcel arrives, read into what identifies one card: a typed card
serial, the back's MRZ (three lines, or the 90 characters a reader sends on one line) or the front's QR
payload. Pure: no Django import.

The MRZ identifies the card exactly (its SHA-256 is kept on the card); the QR names the holder and the
issue date, which together identify the card among those on their way to the station.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from cancuoc.icao import mrz, qr
from cancuoc.rules.cardstates import is_serial

MAX_SCAN_LENGTH = 1000  # a QR payload with a long address is a few hundred characters
_MRZ_LINE = re.compile(r"^[0-9A-Z<]{30}$")


class ScanEmpty(ValueError):
    pass


class ScanUnreadable(ValueError):
    pass


@dataclass(frozen=True)
class Scan:
    kind: str  # "serial", "mrz" or "qr"
    serial: str = ""
    id_number: str = ""
    mrz_sha256: str = ""
    issue_date: date | None = None


def mrz_digest(lines) -> str:
    """The SHA-256 (hex) of the three MRZ lines joined by a newline, as ``Card.mrz_sha256`` keeps it."""
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def _mrz_lines(text: str) -> list[str] | None:
    compact = [re.sub(r"\s+", "", line).upper() for line in text.splitlines() if line.strip()]
    if len(compact) == 1 and len(compact[0]) == 90:
        compact = [compact[0][i : i + 30] for i in range(0, 90, 30)]
    if len(compact) == 3 and all(_MRZ_LINE.match(line) for line in compact):
        return compact
    return None


def read_scan(text) -> Scan:
    if not isinstance(text, str) or not text.strip():
        raise ScanEmpty()
    if len(text) > MAX_SCAN_LENGTH or "\x00" in text:
        raise ScanUnreadable()
    candidate = re.sub(r"[\s-]", "", text).upper()
    if is_serial(candidate):
        return Scan("serial", serial=candidate)
    if "|" in text:
        try:
            data = qr.parse(text)
        except qr.QrError as error:
            raise ScanUnreadable() from error
        return Scan("qr", id_number=data.id_number, issue_date=data.issue_date)
    lines = _mrz_lines(text)
    if lines is not None:
        parsed = mrz.parse(lines)
        if parsed.ok and parsed.id_number:
            return Scan("mrz", id_number=parsed.id_number, mrz_sha256=mrz_digest(lines))
    raise ScanUnreadable()
