"""Synthetic fingerprints in the manner of SFinGe (Cappelli, Maio, Maltoni): a master fingerprint per finger
(fingertip silhouette, orientation field from singular points, ridge-frequency map, ridges grown by iterated
Gabor filtering from random seeds so that endings and bifurcations arise where growing ridge fronts meet),
then several impressions of it (placement, rotation, skin distortion, pressure and dryness, noise, partial
contact, blur). Every image depends only on (seed, person, finger position, impression).

Pure numpy/scipy/Pillow: no Django. 500 dpi, 8-bit grayscale, dark ridges on a light background.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import scipy.fft
from scipy import ndimage

from cancuoc.errors import CodedError

# ISO/IEC 19794-4 finger positions: 1 right thumb … 5 right little, 6 left thumb … 10 left little
FINGER_POSITIONS = range(1, 11)
CLASSES = ("arch", "tented_arch", "left_loop", "right_loop", "whorl")
IMAGE_SHAPE = (400, 320)  # height, width of an impression, pixels at 500 dpi
MASTER_SHAPE = (448, 400)  # the master is larger than an impression so that a rotated finger still fills it
RESOLUTION_DPI = 500


class SynthErrorCode(StrEnum):
    BAD_POSITION = "bad_position"
    BAD_PERSON = "bad_person"
    BAD_IMPRESSION = "bad_impression"


MESSAGES: dict[SynthErrorCode, tuple[str, str]] = {
    SynthErrorCode.BAD_POSITION: ("Vị trí ngón tay {position} không hợp lệ (phải từ 1 đến 10)",
                                  "Finger position {position} is not valid (must be 1 to 10)"),
    SynthErrorCode.BAD_PERSON: ("Số thứ tự người {person} không hợp lệ (phải từ 1 trở lên)",
                                "Person number {person} is not valid (must be 1 or more)"),
    SynthErrorCode.BAD_IMPRESSION: ("Số lần lấy dấu {impression} không hợp lệ (phải từ 1 trở lên)",
                                    "Impression number {impression} is not valid (must be 1 or more)"),
}  # fmt: skip


class SynthError(CodedError, ValueError):
    """A request for a finger that the generator does not model; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: SynthErrorCode, **values):
        super().__init__(code, **values)


# Random streams are keyed by (seed, person, position, impression, purpose) so that any image can be made alone.
_CLASS, _MASTER, _IMPRESSION = 1, 2, 3


def _rng(seed: int, person: int, position: int, impression: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence([seed % 2**64, person, position, impression, purpose])
    )


def _check(person: int, position: int, impression: int = 1) -> None:
    if position not in FINGER_POSITIONS:
        raise SynthError(SynthErrorCode.BAD_POSITION, position=position)
    if person < 1:
        raise SynthError(SynthErrorCode.BAD_PERSON, person=person)
    if impression < 1:
        raise SynthError(SynthErrorCode.BAD_IMPRESSION, impression=impression)


# --- pattern class --------------------------------------------------------------------------------------------

# Class frequencies by finger (thumb, index, middle, ring, little) as (arch, tented arch, ulnar loop, radial loop,
# whorl), after the published FBI/NIST tallies: overall about 65 % loops, 28 % whorls, 7 % arches.
_FINGER_PRIORS = {
    1: (0.03, 0.02, 0.53, 0.02, 0.40),
    2: (0.08, 0.07, 0.36, 0.16, 0.33),
    3: (0.05, 0.03, 0.67, 0.03, 0.22),
    4: (0.02, 0.02, 0.55, 0.01, 0.40),
    5: (0.02, 0.01, 0.81, 0.01, 0.15),
}


def finger_class(seed: int, person: int, position: int) -> str:
    """The pattern class of a finger: "arch", "tented_arch", "left_loop", "right_loop" or "whorl"."""
    _check(person, position)
    priors = _FINGER_PRIORS[(position - 1) % 5 + 1]
    # An ulnar loop opens towards the little finger: a right loop on the right hand, a left loop on the left.
    ulnar, radial = ("right_loop", "left_loop") if position <= 5 else ("left_loop", "right_loop")
    names = ("arch", "tented_arch", ulnar, radial, "whorl")
    # A person's fingers are alike: someone with whorls on one finger tends to have them on others.
    tendency = _rng(seed, person, 0, 0, _CLASS)
    whorls, arches = np.exp(tendency.normal(-0.2, 1.0)), np.exp(tendency.normal(-0.6, 1.1))
    weights = np.asarray(priors) * (arches, arches, 1.0, 1.0, whorls)
    rng = _rng(seed, person, position, 0, _CLASS)
    return names[int(rng.choice(5, p=weights / weights.sum()))]


# --- master fingerprint ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Master:
    """A finger's master fingerprint at 500 dpi, on a ``MASTER_SHAPE`` canvas (x right, y down, pixels)."""

    finger_class: str
    cores: tuple[tuple[float, float], ...]  # (x, y)
    deltas: tuple[tuple[float, float], ...]
    ridges: np.ndarray  # float32, about [-1, 1]: > 0 on a ridge
    centre: tuple[float, float]  # (x, y) of the silhouette
    half_width: float
    half_height: float  # from the centre to the fingertip; the silhouette runs on below the canvas
    growth_orientation: np.ndarray  # the fields the ridges grew from, at 1/_GROWTH_SCALE resolution
    growth_period: np.ndarray

    @functools.cached_property
    def orientation(self) -> np.ndarray:
        """Ridge direction in radians, [0, π), angle from +x towards +y (down), at full resolution."""
        # upsampled through the doubled angle, which is continuous away from singular points
        doubled = 2 * self.growth_orientation
        cos = ndimage.zoom(np.cos(doubled), _GROWTH_SCALE, order=1, grid_mode=True, mode="nearest")
        sin = ndimage.zoom(np.sin(doubled), _GROWTH_SCALE, order=1, grid_mode=True, mode="nearest")
        return np.mod(np.arctan2(sin, cos) / 2, np.pi).astype(np.float32)

    @functools.cached_property
    def period(self) -> np.ndarray:
        """Ridge period in pixels at full resolution."""
        return ndimage.zoom(self.growth_period, _GROWTH_SCALE, order=1, grid_mode=True, mode="nearest")


def _smooth_field(
    rng: np.random.Generator, shape: tuple[int, int], wavelength: float, modes: int = 6
) -> np.ndarray:
    """A smooth random field of unit standard deviation whose features are about ``wavelength`` pixels."""
    height, width = shape
    y = np.arange(height, dtype=np.float32)[:, None]
    x = np.arange(width, dtype=np.float32)[None, :]
    field = np.zeros(shape, np.float32)
    for _ in range(modes):
        angle = rng.uniform(0, np.pi)
        frequency = rng.uniform(0.5, 1.5) / wavelength
        phase = rng.uniform(0, 2 * np.pi)
        fx, fy = frequency * math.cos(angle), frequency * math.sin(angle)
        # cos(a + b) as outer products: cheaper than a full-grid cosine
        ax, ay = 2 * np.pi * fx * x + phase, 2 * np.pi * fy * y
        field += np.cos(ay) * np.cos(ax) - np.sin(ay) * np.sin(ax)
    return field * np.float32(math.sqrt(2.0 / modes))


def _silhouette_size(rng: np.random.Generator, position: int) -> tuple[float, float]:
    """(half width, half height) of the fingertip silhouette in pixels, by finger."""
    finger = (position - 1) % 5 + 1
    width = {1: 330, 2: 290, 3: 296, 4: 280, 5: 250}[finger] * rng.uniform(0.92, 1.06)
    height = {1: 420, 2: 400, 3: 410, 4: 395, 5: 360}[finger] * rng.uniform(0.94, 1.05)
    return width / 2, height / 2


def _singular_points(rng, kind, centre, half_width, half_height):
    """Cores and deltas (x, y) for a pattern class, placed at random around the usual places."""
    cx, cy = centre
    core_x = cx + rng.normal(0, 12)
    core_y = cy - 0.12 * half_height + rng.normal(0, 18)
    if kind == "arch":
        return (), ()
    if kind == "tented_arch":
        core = (core_x, core_y)
        delta = (core_x + rng.normal(0, 6), core_y + rng.uniform(45, 80))
        return (core,), (delta,)
    if kind in ("left_loop", "right_loop"):
        # The delta lies below the core on the side the loop does not open to.
        side = 1.0 if kind == "left_loop" else -1.0
        core = (core_x - side * rng.uniform(0, 20), core_y)
        delta = (core[0] + side * rng.uniform(65, 115), core_y + rng.uniform(60, 115))
        return (core,), (delta,)
    spread, angle = rng.uniform(3, 26), rng.uniform(0, np.pi)
    cores = (
        (core_x + spread * math.cos(angle), core_y + spread * math.sin(angle)),
        (core_x - spread * math.cos(angle), core_y - spread * math.sin(angle)),
    )
    delta_y = core_y + rng.uniform(55, 110)
    deltas = (
        (core_x - rng.uniform(75, 120), delta_y + rng.normal(0, 12)),
        (core_x + rng.uniform(75, 120), delta_y + rng.normal(0, 12)),
    )
    return cores, deltas


def _angle_correction(rng) -> Callable[[np.ndarray], np.ndarray]:
    """A random, periodic, piecewise-linear remapping of the angle around one singular point (after Vizcaya and
    Gerhardt's correction of the zero-pole model): it widens or narrows a loop's head and bends a delta's arms
    differently on each finger, and, being periodic, keeps the point's Poincaré index."""
    knots = np.linspace(-np.pi, np.pi, 9)
    offsets = rng.normal(0, 0.22, 9)
    offsets[-1] = offsets[0]
    return lambda angle: angle + np.interp(angle, knots, offsets).astype(np.float32)


def _orientation(rng, kind, cores, deltas, centre, half_width, shape, scale) -> np.ndarray:
    """Ridge orientation on a grid ``scale`` times full resolution (cores, deltas, centre and half width in
    that grid's pixels): Sherlock–Monro zero-pole model (each core adds half the angle around it, each delta
    subtracts it) with a random correction of those angles, plus an arch term that bends the ridges above the
    cores along the fingertip, plus a smooth random perturbation. The added terms are continuous, so they move
    no singular point and add none."""
    height, width = shape
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    z = x + 1j * y
    theta = np.full(shape, rng.normal(0, 0.06), np.float32)
    for core in cores:
        theta += 0.5 * _angle_correction(rng)(np.angle(z - complex(*core)).astype(np.float32))
    for delta in deltas:
        theta -= 0.5 * _angle_correction(rng)(np.angle(z - complex(*delta)).astype(np.float32))
    cx, cy = centre
    top = min((c[1] for c in cores), default=cy - 20 * scale)
    above = 1.0 / (1.0 + np.exp(-(top - 50 * scale - y) / (44 * scale)))
    bend = rng.uniform(0.7, 1.1)
    slope = bend * (x - cx) / half_width * above
    if kind == "arch":
        # ridges rise over a hump in the middle of the finger, flat near the crease
        hump_y = cy + rng.normal(0, 40) * scale
        amplitude = rng.uniform(70, 140) * scale * np.exp(-(((y - hump_y) / (220 * scale)) ** 2))
        s = rng.uniform(110, 160) * scale
        slope = slope + amplitude * (x - cx) / s**2 * np.exp(-((x - cx) ** 2) / (2 * s**2))
    theta += np.arctan(slope)
    if kind == "whorl":
        # a twist around the cores turns concentric rings into a spiral (smooth, so the topology stays)
        mx, my = sum(c[0] for c in cores) / 2, sum(c[1] for c in cores) / 2
        reach = 0.4 * half_width
        theta += rng.uniform(-0.6, 0.6) * np.exp(-((x - mx) ** 2 + (y - my) ** 2) / (2 * reach**2))
    theta += 0.10 * _smooth_field(rng, shape, 520.0 * scale)
    return np.mod(theta, np.pi).astype(np.float32)


def _period(rng, cores, deltas, centre, shape, scale) -> np.ndarray:
    """Ridge period in full-resolution pixels on a grid ``scale`` times full resolution: about 9 px at
    500 dpi, denser near the fingertip and below the deltas (as in SFinGe)."""
    height, width = shape
    y = np.arange(height, dtype=np.float32)[:, None]
    base = rng.uniform(8.6, 9.8)
    top = min((c[1] for c in cores), default=centre[1] - 40 * scale)
    bottom = max((d[1] for d in deltas), default=centre[1] + 120 * scale)
    tip = 1.0 / (1.0 + np.exp((y - (top - 120 * scale)) / (60 * scale)))
    crease = 1.0 / (1.0 + np.exp(-(y - (bottom + 80 * scale)) / (60 * scale)))
    period = base + 0.5 - 1.2 * tip - 1.0 * crease + 0.35 * _smooth_field(rng, shape, 400.0 * scale)
    return np.clip(period, 7.0, 12.0).astype(np.float32)


# Ridges grow on a half-resolution grid (period 3.5–6 px there), which is four times cheaper, and the grown
# pattern is interpolated up; the Gabor bank is orientation × frequency bins, each pixel blends the four
# nearest filters' responses so that no seam appears where the bin changes.
_GROWTH_SCALE = 2
_ORIENTATION_BINS = 12
_PERIOD_BINS = (7.5, 9.25, 11.0)  # full-resolution pixels
_SIGMA_ACROSS, _SIGMA_ALONG = 0.5, 0.6  # Gaussian envelope, in periods
_GROWTH_ITERATIONS = 10
_GROWTH_GAIN = 4.0


@functools.lru_cache(maxsize=2)
def _gabor_bank(shape: tuple[int, int]) -> np.ndarray:
    """Real spectra (rfft layout) of even Gabor filters: (period bins × orientation bins, H, W/2+1)."""
    fy = scipy.fft.fftfreq(shape[0]).astype(np.float32)[:, None]
    fx = scipy.fft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    bank = np.empty((len(_PERIOD_BINS), _ORIENTATION_BINS, shape[0], fx.shape[1]), np.float32)
    for j, full_period in enumerate(_PERIOD_BINS):
        period = full_period / _GROWTH_SCALE
        across, along = (_SIGMA_ACROSS * period) ** 2, (_SIGMA_ALONG * period) ** 2
        for k in range(_ORIENTATION_BINS):
            t = k * np.pi / _ORIENTATION_BINS
            u = -fx * math.sin(t) + fy * math.cos(t)  # frequency across the ridges
            v = fx * math.cos(t) + fy * math.sin(t)  # frequency along them
            lobe = -2 * np.pi**2 * along * v**2
            bank[j, k] = np.exp(-2 * np.pi**2 * across * (u - 1 / period) ** 2 + lobe)
            bank[j, k] += np.exp(-2 * np.pi**2 * across * (u + 1 / period) ** 2 + lobe)
    # Isotropic ring filters, one per period bin, for the neighbourhood of singular points where the
    # orientation is undefined and oriented responses cancel out.
    radial = np.sqrt(fx**2 + fy**2)
    rings = np.stack(
        [np.exp(-2 * np.pi**2 * (_SIGMA_ACROSS * p / _GROWTH_SCALE) ** 2 * (radial - _GROWTH_SCALE / p) ** 2)
         for p in _PERIOD_BINS]
    )  # fmt: skip
    return np.concatenate([bank.reshape(-1, shape[0], fx.shape[1]), rings.astype(np.float32)])


def _grow_ridges(rng, orientation: np.ndarray, period: np.ndarray, singular: list) -> np.ndarray:
    """Iterated, spatially variant Gabor filtering from random seeds; returns the half-resolution pattern.
    ``singular``: (x, y, reach) of cores and deltas at this resolution; within about ``reach`` ridge periods
    of one an isotropic filter takes over (oriented responses cancel where the orientation turns fast)."""
    shape = orientation.shape
    bank = _gabor_bank(shape)
    u = orientation * np.float32(_ORIENTATION_BINS / np.pi)
    k0 = np.floor(u).astype(np.int64) % _ORIENTATION_BINS
    k1 = (k0 + 1) % _ORIENTATION_BINS
    wk = (u - np.floor(u)).astype(np.float32)
    bins = 1.0 / np.asarray(_PERIOD_BINS)
    jf = np.interp(1.0 / period, bins[::-1], np.arange(len(bins))[::-1]).astype(np.float32)
    j0 = np.minimum(np.floor(jf).astype(np.int64), len(bins) - 2)
    wj = jf - j0
    pixel = np.arange(shape[0] * shape[1]).reshape(shape)
    plane = shape[0] * shape[1]

    def index(j, k):
        return ((j * _ORIENTATION_BINS + k) * plane + pixel).ravel()

    i00, i01, i10, i11 = index(j0, k0), index(j0, k1), index(j0 + 1, k0), index(j0 + 1, k1)
    w00, w01 = ((1 - wj) * (1 - wk)).ravel(), ((1 - wj) * wk).ravel()
    w10, w11 = (wj * (1 - wk)).ravel(), (wj * wk).ravel()

    rings = len(_PERIOD_BINS) * _ORIENTATION_BINS
    r0, r1 = (rings + j0).ravel() * plane + pixel.ravel(), (rings + j0 + 1).ravel() * plane + pixel.ravel()
    yy, xx = np.indices(shape, dtype=np.float32)
    nearest = np.full(shape, np.inf, np.float32)
    for sx, sy, reach in singular:
        nearest = np.minimum(nearest, np.hypot(xx - sx, yy - sy) / reach)
    isotropic = np.exp(-((nearest / period) ** 2)).ravel()
    w00, w01, w10, w11 = (w * (1 - isotropic) for w in (w00, w01, w10, w11))
    wr0, wr1 = isotropic * (1 - wj).ravel(), isotropic * wj.ravel()

    seeds = int(rng.integers(90, 130))
    image = np.zeros(shape, np.float32)
    ys, xs = rng.integers(0, shape[0], seeds), rng.integers(0, shape[1], seeds)
    image[ys, xs] = rng.choice(np.array([-10.0, 10.0], np.float32), seeds)
    image = ndimage.gaussian_filter(image, 1.0)
    for _ in range(_GROWTH_ITERATIONS):
        spectrum = scipy.fft.rfft2(image, workers=1)
        responses = scipy.fft.irfft2(bank * spectrum, s=shape, workers=1).ravel()
        blended = w00 * responses[i00] + w01 * responses[i01] + w10 * responses[i10] + w11 * responses[i11]
        blended += wr0 * responses[r0] + wr1 * responses[r1]
        image = np.clip(_GROWTH_GAIN * blended, -1.0, 1.0).reshape(shape).astype(np.float32)
    # The last response, unclipped: band-limited, so it interpolates without the staircase edges that a
    # clipped (square-wave) pattern would show on nearly horizontal or vertical ridges.
    return (_GROWTH_GAIN * blended).reshape(shape).astype(np.float32)


def _skin_marks(rng, ridges: np.ndarray, centre, half_width) -> np.ndarray:
    """Permanent marks of the skin: sweat pores along the ridges (white dots where the skin is pressed lightly)
    and, on some fingers, creases (thin white lines across the ridges)."""
    height, width = ridges.shape
    marks = np.zeros(ridges.shape, np.float32)
    count = int(ridges.size / 320)
    ys, xs = rng.integers(0, height, count), rng.integers(0, width, count)
    on_ridge = ridges[ys, xs] > 0.6
    marks[ys[on_ridge], xs[on_ridge]] = rng.uniform(0.5, 1.0, int(on_ridge.sum()))
    marks = ndimage.gaussian_filter(marks, 0.9) * 2 * np.pi * 0.81 * 0.6  # dots peak at 0.3–0.6
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    creases = rng.choice(5, p=(0.6, 0.2, 0.12, 0.06, 0.02))
    for _ in range(creases):
        # mostly across the finger, mostly on its lower half
        angle = rng.normal(0, 0.45) + (np.pi / 2 if rng.random() < 0.2 else 0.0)
        px, py = centre[0] + rng.normal(0, half_width * 0.4), centre[1] + rng.uniform(-60, 180)
        across = -(x - px) * math.sin(angle) + (y - py) * math.cos(angle)
        along = (x - px) * math.cos(angle) + (y - py) * math.sin(angle)
        length, thickness = rng.uniform(30, 120), rng.uniform(0.8, 2.0)
        taper = np.clip(1.0 - np.abs(along) / length, 0.0, 1.0)
        marks = np.maximum(marks, 1.4 * np.exp(-((across / thickness) ** 2)) * np.sqrt(taper))
    return (ridges - 1.4 * marks).astype(np.float32)


@functools.lru_cache(maxsize=32)
def generate_master(seed: int, person: int, position: int) -> Master:
    """The master fingerprint of a finger (cached: impressions of one finger share it)."""
    _check(person, position)
    kind = finger_class(seed, person, position)
    rng = _rng(seed, person, position, 0, _MASTER)
    height, width = MASTER_SHAPE
    half_width, half_height = _silhouette_size(rng, position)
    centre = (width / 2 + rng.normal(0, 4), height / 2 + 10 + rng.normal(0, 6))
    cores, deltas = _singular_points(rng, kind, centre, half_width, half_height)
    small = (height // _GROWTH_SCALE, width // _GROWTH_SCALE)
    scale = 1.0 / _GROWTH_SCALE
    small_cores = [(x * scale, y * scale) for x, y in cores]
    small_deltas = [(x * scale, y * scale) for x, y in deltas]
    small_centre = (centre[0] * scale, centre[1] * scale)
    small_orientation = _orientation(
        rng, kind, small_cores, small_deltas, small_centre, half_width * scale, small, scale
    )
    small_period = _period(rng, small_cores, small_deltas, small_centre, small, scale)
    singular = [(x, y, 1.2) for x, y in small_cores] + [(x, y, 0.7) for x, y in small_deltas]
    grown = _grow_ridges(rng, small_orientation, small_period, singular)
    ridges = ndimage.zoom(grown, _GROWTH_SCALE, order=3, grid_mode=True, mode="grid-wrap")
    # flat-topped but rounded ridge profile, so that pressure changes ridge width gradually
    ridges = ndimage.gaussian_filter(np.clip(ridges, -1, 1), 0.8)
    ridges = _skin_marks(rng, ridges, centre, half_width)
    return Master(kind, tuple(cores), tuple(deltas), ridges, centre, half_width, half_height,
                  small_orientation, small_period)  # fmt: skip


# --- impressions ----------------------------------------------------------------------------------------------


def generate_finger(seed: int, person: int, position: int, impression: int) -> np.ndarray:
    """One impression of a finger: uint8, ``IMAGE_SHAPE`` (height, width), 500 dpi, dark ridges on light.

    Impression 1 is a good enrollment capture; later ones are placed, turned, distorted, pressed and cut more.
    """
    _check(person, position, impression)
    master = generate_master(seed, person, position)
    rng = _rng(seed, person, position, impression, _IMPRESSION)
    enrol = impression == 1
    height, width = IMAGE_SHAPE

    # Placement: where the master's centre lands and how much the finger turns.
    angle = math.radians(np.clip(rng.normal(0, 4), -8, 8) if enrol else rng.uniform(-20, 20))
    shift = rng.normal(0, 6, 2) if enrol else rng.normal(0, 14, 2)
    # The finger centre sits a little below the image centre so that the fingertip shows.
    out_x = width / 2 + shift[0]
    out_y = height / 2 + 25 + shift[1]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    dx, dy = x - out_x, y - out_y
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    mx = cos_a * dx + sin_a * dy + master.centre[0]
    my = -sin_a * dx + cos_a * dy + master.centre[1]

    # Skin distortion (SFinGe's plastic model): no slip inside the contact region, a small rotation and
    # translation outside it, blended by a brake function over a transition band.
    contact_x = master.centre[0] + rng.normal(0, 20)
    contact_y = master.centre[1] + rng.normal(0, 25)
    strength = 0.5 if enrol else 1.0
    slip_angle = math.radians(rng.normal(0, 2.5) * strength)
    slip = rng.normal(0, 5.0, 2) * strength
    radius = rng.uniform(55, 85)
    band = rng.uniform(90, 140)
    ex, ey = mx - contact_x, my - contact_y
    distance = np.sqrt(ex * ex + ey * ey * 0.7) - radius
    brake = np.where(
        distance <= 0, 0.0, np.where(distance >= band, 1.0, 0.5 - 0.5 * np.cos(np.pi * distance / band))
    )
    tx = math.cos(slip_angle) * ex - math.sin(slip_angle) * ey + slip[0] - ex
    ty = math.sin(slip_angle) * ex + math.cos(slip_angle) * ey + slip[1] - ey
    wobble = 1.2 * strength
    mx = mx + brake * tx + wobble * _smooth_field(rng, IMAGE_SHAPE, 150.0)
    my = my + brake * ty + wobble * _smooth_field(rng, IMAGE_SHAPE, 150.0)

    ridges = ndimage.map_coordinates(master.ridges, [my, mx], order=1, mode="constant", cval=-1.0)

    # Contact: a superellipse fingertip, pressure falling towards its edge.
    rx = (mx - master.centre[0]) / master.half_width
    ry = (my - master.centre[1]) / np.where(
        my < master.centre[1], master.half_height, master.half_height * 1.6
    )
    reach = (np.abs(rx) ** 2.6 + np.abs(ry) ** 2.6) ** (1 / 2.6)
    # the finger lifts off the glass before the end of the master (the first joint)
    reach = np.maximum(reach, 1.0 + (my - (MASTER_SHAPE[0] - 45)) / 60.0)
    reach = reach + 0.02 * _smooth_field(rng, IMAGE_SHAPE, 45.0)  # the outline is never a clean curve
    if not enrol and rng.random() < 0.2:
        # partial print: the finger is tilted or rolled so that one side does not touch (a curved edge)
        cut_angle = rng.uniform(0, 2 * np.pi)
        offset = rng.uniform(0.2, 0.6)
        along = rx * math.cos(cut_angle) + ry * math.sin(cut_angle)
        across = -rx * math.sin(cut_angle) + ry * math.cos(cut_angle)
        reach = np.maximum(reach, 1.0 + (along - offset + rng.uniform(0.2, 0.6) * across**2) * 3.0)
    band = rng.uniform(0.08, 0.16) if enrol else rng.uniform(0.08, 0.25)
    contact = np.clip((1.0 - reach) / band, 0.0, 1.0)

    # Pressure and moisture move the ridge threshold: wet skin or hard pressing thickens the ridges and fills
    # the valleys, dry skin or a light touch thins and breaks them; both vary in patches over the finger.
    level = rng.normal(0.0, 0.07) if enrol else rng.normal(0.0, 0.16)
    patchiness = 0.1 if enrol else rng.uniform(0.1, 0.3)
    threshold = -level + patchiness * _smooth_field(rng, IMAGE_SHAPE, 60.0) + 0.9 * (1.0 - contact)
    ink = np.clip(0.5 + (ridges - threshold) * 1.6, 0.0, 1.0) * (reach < 1.0)
    dryness = max(0.0, -level) + (0.0 if enrol else rng.uniform(0.0, 0.15))
    if dryness > 0.02:
        # dry skin: small white gaps along the ridges
        gaps = ndimage.gaussian_filter(rng.standard_normal(IMAGE_SHAPE).astype(np.float32), 1.5)
        ink = ink * np.clip(1.0 - (gaps / 0.19 - 2.6 + 4.0 * dryness) * 0.8, 0.0, 1.0)
    if level > 0.12:
        # wet skin: ink runs into the valleys between close ridges
        ink = np.maximum(ink, min(1.0, (level - 0.12) * 2.5) * ndimage.gaussian_filter(ink, 2.0) * 1.2)
    # ridges are not evenly dark along their length
    ink = ink * (0.85 + 0.1 * _smooth_field(rng, IMAGE_SHAPE, 25.0, modes=8))

    background = rng.uniform(205, 238) + 6 * _smooth_field(rng, IMAGE_SHAPE, 300.0)
    darkness = rng.uniform(150, 200) if enrol else rng.uniform(110, 200)
    image = background - darkness * ink
    blur = rng.uniform(0.6, 0.9) if enrol else rng.uniform(0.6, 1.4)
    image = ndimage.gaussian_filter(image, blur)
    noise = rng.uniform(2, 4) if enrol else rng.uniform(3, 9)
    image = image + noise * rng.standard_normal(IMAGE_SHAPE).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


# --- data sets ------------------------------------------------------------------------------------------------


def _write_finger(task: tuple[Path, int, int, int, int]) -> int:
    """Write every impression of one finger; a task of its own so that workers share out the fingers."""
    from PIL import Image

    out, seed, person, position, impressions = task
    for impression in range(1, impressions + 1):
        folder = out / str(person) / str(impression)
        folder.mkdir(parents=True, exist_ok=True)
        image = generate_finger(seed, person, position, impression)
        Image.fromarray(image).save(folder / f"{position}.png", compress_level=3)
    return impressions


def write_dataset(
    out: Path,
    people: int,
    impressions: int,
    seed: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write ``out/PERSON/IMPRESSION/F.png`` for persons 1..people, impressions 1..impressions and finger
    positions F = 1..10; returns the number of images. ``progress(done, total)`` after each finger.
    With ``workers`` > 1 the fingers are shared out among that many processes; the images are the same."""
    out = Path(out)
    if people < 0:
        raise SynthError(SynthErrorCode.BAD_PERSON, person=people)
    if impressions < 1:
        raise SynthError(SynthErrorCode.BAD_IMPRESSION, impression=impressions)
    tasks = [(out, seed, person, position, impressions) for person in range(1, people + 1)
             for position in FINGER_POSITIONS]  # fmt: skip
    total = len(tasks) * impressions
    done = 0
    if workers <= 1 or len(tasks) <= 1:
        for written in map(_write_finger, tasks):
            done += written
            if progress:
                progress(done, total)
        return done
    # spawn, not fork: the caller may hold threads or open connections that a fork would copy
    workers = min(workers, len(tasks))
    chunk = max(1, min(len(FINGER_POSITIONS), len(tasks) // (4 * workers)))  # few round trips, balanced load
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        for written in pool.map(_write_finger, tasks, chunksize=chunk):
            done += written
            if progress:
                progress(done, total)
    return done
