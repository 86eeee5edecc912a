"""Reference parameters, used until a registry is large enough to estimate its own u (see ``fit_model``).

u: estimated on 300,000 random pairs of a synthetic registry of 1,000,000 records
(``generate_population(1_000_000, 0.01, seed=11)``). Threshold: the match probability that maximised F1 of
the online decision on that registry (4,000 duplicate and 4,000 clean applications); the benchmark reports
on another seed. ``bench/dedup_demographic.py --tune --seed 11`` prints both again.
"""

from __future__ import annotations

from cancuoc.dedup.model import MatchModel

REFERENCE_U: dict[str, tuple[float, ...]] = {
    "name": (1.0, 0.00081, 2e-05, 1.66667e-06, 0.00311667, 8e-05, 0.0151867, 0.980787),
    "birth_date": (1.0, 3.33333e-05, 3.33333e-06, 0.00012, 0.00105333, 0.0124033, 0.986387),
    "sex": (1.0, 0.499763, 0.500237),
    "birth_place": (1.0, 0.728693, 0.271307),
    "origin_place": (1.0, 0.26806, 0.73194),
    "ethnicity": (1.0, 0.75985, 0.24015),
    "family": (3.33333e-06, 3.33333e-06, 3.33333e-06, 0.726477, 0.00013, 0.000833333, 0.27255),
    "old_id": (1.0, 1.43526e-05, 1.0),
    "sibling": (0.5, 0.5, 0.5),
}
REFERENCE_THRESHOLD = 0.171

REFERENCE_MODEL = MatchModel(u=REFERENCE_U, expected_duplicate_share=0.01, threshold=REFERENCE_THRESHOLD)
