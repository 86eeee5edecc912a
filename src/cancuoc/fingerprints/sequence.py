"""Sequence check of a ten-print capture: two positions that hold the same finger (the officer captured
one finger twice, or a slap was segmented into the wrong positions). Every pair of positions is compared
with Bozorth3; prints of two different fingers, even of one person, score like strangers."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

from cancuoc.fingerprints.engine import VERIFY_THRESHOLD_ONE
from cancuoc.fingerprints.matching import Bozorth3
from cancuoc.fingerprints.templates import FingerTemplate

# A capture compares 45 pairs, so the single-finger 1:1 operating point (FMR ≈ 0.1 % per pair) would refuse
# about one honest capture in 20. Measured on synthetic prints (15 people, seed 424242): different fingers
# of one person at most 42, two impressions of one finger at least 79 (5th percentile 108).
SAME_FINGER_THRESHOLD = 1.5 * VERIFY_THRESHOLD_ONE


def repeated_fingers(templates: Mapping[int, FingerTemplate],
                     threshold: float = SAME_FINGER_THRESHOLD) -> list[tuple[int, int, float]]:  # fmt: skip
    """(position, other position, Bozorth3 score) of each pair that looks like one finger, highest first."""
    matcher = Bozorth3()
    prepared = {p: matcher.prepare_template(t) for p, t in sorted(templates.items()) if len(t)}
    pairs = []
    for first, second in combinations(sorted(prepared), 2):
        score = float(matcher.score(prepared[first], prepared[second]))
        if score >= threshold:
            pairs.append((first, second, score))
    pairs.sort(key=lambda pair: -pair[2])
    return pairs
