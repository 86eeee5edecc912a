"""Candidate index for 1:N search: minutia-triplet geometric hashing, one index per finger position.

Every finger gives triangles of nearby minutiae (each minutia with pairs of its nearest neighbours). A
triangle is described without regard to where the finger lay or how it was turned: its three sides
(longest first) and the direction of the minutia at each corner measured from the longest side, plus which
way round the corners run. These six values are quantised into one 25-bit key. A gallery finger stores one
key per triangle; a probe asks, for each of its triangles, the bin each value fell in and the neighbouring
bin nearer to it (2⁶ = 64 keys), so a value that moved across a bin edge between two impressions is still
found. The number of probe triangles that hit a gallery finger is its vote; summed over the fingers of a
person it ranks the people worth comparing with the 1:1 matcher (Cappelli, Ferrara, Maltoni 2011 and
Germain, Califano, Colville 1997 describe the same two-stage design).

Storage is columnar and append-friendly: sorted runs of (key, person number) in numpy arrays, like an LSM
tree. New entries collect in a buffer; a search first turns the buffer into a run; runs of similar size are
merged (dropping people that were deleted or replaced), so there are O(log n) runs to search. Memory is
8 bytes per triangle, ~1.4 KB per finger."""

from __future__ import annotations

import math

import numpy as np

from cancuoc.fingerprints.templates import FingerTemplate

INDEX_MINUTIAE = 40  # best-quality minutiae used for triangles
NEIGHBOURS = 4  # triangles of a minutia with each pair of its nearest neighbours
LENGTH_BIN = 12.0  # pixels (~0.6 mm at 500 dpi)
LENGTH_BINS = 16
MIN_SIDE, MAX_SIDE = 12.0, LENGTH_BIN * LENGTH_BINS
ANGLE_BINS = 12  # 30°
_ANGLE_STEP = 2 * math.pi / ANGLE_BINS
_SHIFTS = np.array([0, 4, 8, 12, 16, 20], dtype=np.uint32)
_PROBE_PATTERNS = ((np.arange(64)[:, None] >> np.arange(6)[None, :]) & 1).astype(np.int64)  # 64 × 6


def _triangles(template: FingerTemplate) -> tuple[np.ndarray, np.ndarray]:
    """(features n×6 in bin units, handedness n) of the finger's triangles, corners in canonical order."""
    rows = template.best(INDEX_MINUTIAE)
    count = len(rows)
    if count < 3:
        return np.zeros((0, 6)), np.zeros(0, dtype=np.uint32)
    points, angles = rows[:, :2], rows[:, 2]
    distance = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    k = min(NEIGHBOURS, count - 1)
    nearest = np.argsort(distance, axis=1, kind="stable")[:, 1 : k + 1]
    first, second = np.triu_indices(k, 1)
    corners = np.column_stack([np.repeat(np.arange(count), len(first)), nearest[:, first].ravel(),
                               nearest[:, second].ravel()])  # fmt: skip
    corners.sort(axis=1)
    code = np.unique((corners[:, 0] * 256 + corners[:, 1]) * 256 + corners[:, 2])  # one number per triangle
    corners = np.column_stack([code >> 16, (code >> 8) & 255, code & 255])
    opposite = np.column_stack([distance[corners[:, 1], corners[:, 2]], distance[corners[:, 0], corners[:, 2]],
                                distance[corners[:, 0], corners[:, 1]]])  # fmt: skip
    order = np.argsort(-opposite, axis=1, kind="stable")
    corners = np.take_along_axis(corners, order, axis=1)
    sides = np.take_along_axis(opposite, order, axis=1)
    usable = (sides[:, 2] >= MIN_SIDE) & (sides[:, 0] < MAX_SIDE)
    corners, sides = corners[usable], sides[usable]
    p0, p1, p2 = points[corners[:, 0]], points[corners[:, 1]], points[corners[:, 2]]
    # Image rows grow downwards; angles are counter-clockwise, so the y difference changes sign.
    reference = np.arctan2(-(p2[:, 1] - p1[:, 1]), p2[:, 0] - p1[:, 0])
    relative = np.mod(angles[corners] - reference[:, None], 2 * math.pi)
    cross = (p1[:, 0] - p0[:, 0]) * (p2[:, 1] - p0[:, 1]) - (p1[:, 1] - p0[:, 1]) * (p2[:, 0] - p0[:, 0])
    features = np.column_stack([sides / LENGTH_BIN, relative / _ANGLE_STEP])
    return features, (cross > 0).astype(np.uint32)


def _pack(bins: np.ndarray, handedness: np.ndarray) -> np.ndarray:
    return (np.bitwise_or.reduce(bins.astype(np.uint32) << _SHIFTS, axis=-1) | (handedness << 24)).astype(
        np.uint32
    )


def gallery_keys(template: FingerTemplate) -> np.ndarray:
    """One key per triangle (uint32)."""
    features, handedness = _triangles(template)
    if not len(features):
        return np.zeros(0, dtype=np.uint32)
    bins = np.floor(features).astype(np.int64)
    bins[:, :3] = np.clip(bins[:, :3], 0, LENGTH_BINS - 1)
    bins[:, 3:] %= ANGLE_BINS
    return np.unique(_pack(bins, handedness))


def probe_keys(template: FingerTemplate) -> np.ndarray:
    """For each triangle the 64 keys of its bins and their nearer neighbours (flattened, uint32)."""
    features, handedness = _triangles(template)
    if not len(features):
        return np.zeros(0, dtype=np.uint32)
    base = np.floor(features).astype(np.int64)
    step = np.where(features - base < 0.5, -1, 1)
    bins = base[:, None, :] + step[:, None, :] * _PROBE_PATTERNS[None, :, :]  # triangles × 64 × 6
    lengths = bins[:, :, :3]
    valid = ((lengths >= 0) & (lengths < LENGTH_BINS)).all(axis=2)
    bins[:, :, 3:] %= ANGLE_BINS
    keys = _pack(bins, handedness[:, None])
    return keys[valid]


class PositionIndex:
    """Triangle keys of one finger position for every enrolled person (by person number)."""

    def __init__(self):
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys uint32, person numbers int32)
        self._pending_keys: list[np.ndarray] = []
        self._pending_people: list[np.ndarray] = []

    def add(self, person: int, keys: np.ndarray) -> None:
        if len(keys):
            self._pending_keys.append(keys)
            self._pending_people.append(np.full(len(keys), person, dtype=np.int32))

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self._runs) + sum(len(k) for k in self._pending_keys)

    def nbytes(self) -> int:
        return sum(k.nbytes + p.nbytes for k, p in self._runs)

    def flush(self, alive: np.ndarray) -> None:
        """Turn the buffer into a sorted run and merge runs of similar size, dropping dead people."""
        if self._pending_keys:
            keys = np.concatenate(self._pending_keys)
            people = np.concatenate(self._pending_people)
            self._pending_keys, self._pending_people = [], []
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], people[order]))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (keys_a, people_a), (keys_b, people_b) = self._runs[-2], self._runs[-1]
            keys, people = np.concatenate([keys_a, keys_b]), np.concatenate([people_a, people_b])
            keep = alive[people]
            keys, people = keys[keep], people[keep]
            order = np.argsort(keys, kind="stable")
            self._runs[-2:] = [(keys[order], people[order])]

    def votes(self, probe: np.ndarray, people: int) -> np.ndarray:
        """For every person number, how many probe keys hit one of its triangles (dead people included)."""
        total = np.zeros(people, dtype=np.int32)
        for keys, owners in self._runs:
            low = np.searchsorted(keys, probe, side="left")
            high = np.searchsorted(keys, probe, side="right")
            lengths = high - low
            hit = lengths > 0
            if not hit.any():
                continue
            low, lengths = low[hit], lengths[hit]
            starts = np.repeat(low - (np.cumsum(lengths) - lengths), lengths)
            positions = np.arange(int(lengths.sum())) + starts
            total += np.bincount(owners[positions], minlength=people).astype(np.int32)
        return total
