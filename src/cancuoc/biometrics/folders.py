"""Reading a folder of finger images as the commands take them: ``F.png`` for each finger captured,
F the ISO/IEC 19794-4 position 1–10 (other files are ignored; a number outside 1–10 is an error)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import BiometricsError
from .errors import BiometricsErrorCode as Code

MAX_FILE_BYTES = 5 * 1024 * 1024
_IMAGE = re.compile(r"(\d+)\.(png|jpe?g|wsq)", re.IGNORECASE)


def read_finger_folder(folder: str | Path) -> dict[int, bytes]:
    path = Path(folder)
    if not path.is_dir():
        raise BiometricsError(Code.FOLDER_MISSING, path=str(folder))
    found: dict[int, bytes] = {}
    for item in sorted(path.iterdir()):
        match = _IMAGE.fullmatch(item.name)
        if not match or not item.is_file():
            continue
        position = int(match.group(1))
        if not 1 <= position <= 10 or position in found:
            raise BiometricsError(Code.FINGER_FILE_NAME, name=item.name)
        size = item.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BiometricsError(Code.FILE_TOO_LARGE, name=item.name, size=size, limit=MAX_FILE_BYTES)
        found[position] = item.read_bytes()
    if not found:
        raise BiometricsError(Code.NO_FINGERS)
    return found


def templates_of_folder(folder: str | Path) -> dict:
    """Minutiae templates of every finger image in the folder."""
    from cancuoc.fingerprints.images import load_finger_image
    from cancuoc.fingerprints.templates import extract_template

    return {position: extract_template(load_finger_image(data), position, assess_quality=False)
            for position, data in read_finger_folder(folder).items()}  # fmt: skip
