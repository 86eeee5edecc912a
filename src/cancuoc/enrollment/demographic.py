"""The demographic duplicate check of one application: other living, unmerged records of the registry that
look like the same person, by ``cancuoc.dedup``'s model over every field the registry holds (names with and
without diacritics and regional spellings, birth date with swapped day and month or only a year, sex,
places, parents, spouse, household, permanent address, old 9-digit number, ethnicity), the same model the
batch cleansing runs with Splink.

Each worker process keeps a ``DemographicIndex`` of the registry in memory (at 1,000,000 citizens: about a
minute to build, 300 MB, under 1 ms per application; docs/benchmarks.md) and brings it up to date before
each check with the records changed since (``updated_at``). Pairs an officer has already found to be
different people are left out."""

from __future__ import annotations

import threading
from datetime import datetime

from django.db.models import Q

from cancuoc.registry.models import Citizen, NotDuplicatePair

LIMIT = 10


def person_record(citizen: Citizen):
    from cancuoc.dedup import PersonRecord

    def name(relative, text):
        return relative.full_name if relative is not None else (text or "")

    return PersonRecord(
        record_id=citizen.id_number, family_name=citizen.family_name, middle_name=citizen.middle_name,
        given_name=citizen.given_name, birth_date=citizen.birth_date, sex=citizen.sex,
        birth_place=citizen.birth_registration_unit.code if citizen.birth_registration_unit_id else "",
        origin_place=citizen.origin_unit.code if citizen.origin_unit_id else "", ethnicity=citizen.ethnicity,
        father_name=name(citizen.father, citizen.father_name), mother_name=name(citizen.mother, citizen.mother_name),
        spouse_name=name(citizen.spouse, citizen.spouse_name),
        household_id=str(citizen.household_id or ""),
        address_unit=citizen.permanent_unit.code if citizen.permanent_unit_id else "",
        old_id_number=citizen.old_id_number,
    )  # fmt: skip


def _records(citizens):
    for citizen in citizens:
        if citizen.merged_into_id is None and citizen.date_of_death is None:
            yield person_record(citizen)


def _citizens(query: Q | None = None):
    return (Citizen.objects.filter(query or Q())
            .select_related("birth_registration_unit", "origin_unit", "permanent_unit", "father", "mother", "spouse")
            .order_by("pk"))  # fmt: skip


class _RegistryIndex:
    def __init__(self):
        self.index = None
        self.watermark: datetime | None = None
        self.lock = threading.Lock()

    def current(self):
        from cancuoc.dedup import DemographicIndex

        with self.lock:
            if self.index is None:
                newest = Citizen.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
                self.index = DemographicIndex(_records(_citizens().iterator(chunk_size=5000)))
                self.watermark = newest
            elif self.watermark is None or Citizen.objects.filter(updated_at__gt=self.watermark).exists():
                # the common case, nothing changed, costs one index probe instead of the six-join query
                changed = list(_citizens(Q(updated_at__gt=self.watermark) if self.watermark else Q()))
                for citizen in changed:
                    if citizen.id_number in self.index:
                        self.index.remove(citizen.id_number)
                    if citizen.merged_into_id is None and citizen.date_of_death is None:
                        self.index.add(person_record(citizen))
                if changed:
                    self.watermark = max(c.updated_at for c in changed)
            return self.index

    def reset(self) -> None:
        with self.lock:
            self.index, self.watermark = None, None


_registry = _RegistryIndex()


def reset() -> None:
    """Forget the in-memory index (tests; after a restore)."""
    _registry.reset()


def candidates_for(citizen: Citizen) -> list[tuple[int, float, tuple[str, ...]]]:
    """(citizen id, match probability, reasons) of the likely duplicates at the model's threshold, best first."""
    index = _registry.current()
    found = index.duplicates(person_record(_citizens(Q(pk=citizen.pk)).get()), limit=LIMIT)
    if not found:
        return []
    by_number = dict(Citizen.objects.filter(id_number__in=[c.record_id for c in found], merged_into__isnull=True)
                     .exclude(pk=citizen.pk).values_list("id_number", "pk"))  # fmt: skip
    ids = list(by_number.values())
    dismissed = {pair.second_id if pair.first_id == citizen.pk else pair.first_id
                 for pair in NotDuplicatePair.objects.filter(Q(first=citizen.pk, second__in=ids)
                                                             | Q(second=citizen.pk, first__in=ids))}  # fmt: skip
    return [
        (by_number[c.record_id], c.score, tuple(c.reasons))
        for c in found
        if c.record_id in by_number and by_number[c.record_id] not in dismissed
    ]
