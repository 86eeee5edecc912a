"""Demographic duplicate detection: is this applicant already in the registry under another ID number?

Pure (no Django). ``DemographicIndex`` answers one application at a time in milliseconds; ``batch_duplicates``
runs the same model over the whole registry with Splink on DuckDB for data cleansing. Both use the
Fellegi–Sunter model of ``cancuoc.dedup.model``, so they agree on what a duplicate is.
``generate_population`` makes synthetic registries with known duplicates to measure them.
"""

from cancuoc.dedup.index import BLOCKING_RULES, Candidate, DemographicIndex
from cancuoc.dedup.model import COMPARISONS, MatchModel
from cancuoc.dedup.records import PersonRecord, as_person_record

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "Candidate",
    "DemographicIndex",
    "MatchModel",
    "PersonRecord",
    "as_person_record",
]
