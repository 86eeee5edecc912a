"""The fonts of the card faces: DejaVu Sans (every Vietnamese letter precomposed) and OCR-B for the MRZ.

Both come from Debian's packages (``fonts-dejavu-core``, ``fonts-ocr-b``), installed by the project's
setup script; nothing is copied into the repository. Debian ships OCR-B with PostScript (CFF)
outlines, which ReportLab cannot embed, so the PDF gets a TrueType copy converted once with fontTools
(same glyphs, same advance widths) and kept in a cache folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SEARCH_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
SANS, SANS_BOLD, OCR_B = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "OCRB.otf"
INSTALL_HINT = "apt-get install fonts-dejavu-core fonts-ocr-b (hoặc `make system-packages` / or `make system-packages`)"


class FontsMissing(RuntimeError):
    """A font of the card faces is not installed; the message says which and how to install it."""


@dataclass(frozen=True)
class CardFonts:
    sans: Path
    sans_bold: Path
    ocr_b: Path  # OpenType (CFF), for Pillow
    ocr_b_truetype: Path  # the same glyphs with TrueType outlines, for ReportLab


def _find(file_name: str, extra_dirs: tuple[Path, ...]) -> Path:
    for folder in (*extra_dirs, *SEARCH_DIRS):
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            if file_name in files:
                return Path(root) / file_name
    raise FontsMissing(f"Thiếu phông chữ {file_name} / font {file_name} is not installed: {INSTALL_HINT}")


def find_card_fonts(cache_dir: Path, extra_dirs: tuple[Path, ...] = ()) -> CardFonts:
    """Locates the installed fonts and makes the TrueType copy of OCR-B in ``cache_dir`` if missing."""
    ocr_b = _find(OCR_B, extra_dirs)
    converted = cache_dir / "OCRB-truetype.ttf"
    if not converted.exists() or converted.stat().st_mtime < ocr_b.stat().st_mtime:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = converted.with_suffix(f".{os.getpid()}.tmp")
        cff_to_truetype(ocr_b, partial)
        partial.replace(converted)  # atomic: a concurrent renderer never reads half a font
    return CardFonts(_find(SANS, extra_dirs), _find(SANS_BOLD, extra_dirs), ocr_b, converted)


def cff_to_truetype(source: Path, target: Path) -> None:
    """Rewrites a CFF-flavoured OpenType font with quadratic (glyf) outlines; metrics are unchanged."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(source))
    if "CFF " not in font:
        font.save(str(target))
        return
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise; TrueType's run clockwise, hence reverse_direction.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(target))
