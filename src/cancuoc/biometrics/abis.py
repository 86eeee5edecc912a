"""The ABIS contract (docs/abis-contract.md) and the reference backend behind it.

The rest of the system talks to an ABIS only through ``AbisBackend``; requests reach it through the queue
in ``requests.py`` (asynchronous, idempotent by request id, audited). Biometrics cross the contract as
standard records — ISO/IEC 19794-2:2005 finger minutiae records — so a vendor's engine can be plugged in
(``CANCUOC_ABIS_BACKEND`` = dotted path of a class with the same methods) without our template classes.

``ReferenceBackend`` is ours: the gallery is kept in the database (``AbisGalleryEntry``, sealed per
reference) and mirrored in memory by ``cancuoc.fingerprints.engine.ReferenceEngine`` (a candidate index,
then 1:1 scoring of the shortlist, fused over fingers). Each process folds the gallery's change log
(``AbisGalleryChange``) before it answers, so an insert made by another process is seen by the next search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cancuoc.protection import crypto

from .errors import BiometricsError
from .errors import BiometricsErrorCode as Code
from .models import AbisGalleryChange, AbisGalleryEntry

IDENTIFIER = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_GALLERY = 1000  # a search restricted to listed references is 1:1 against each of them


def check_reference(reference) -> str:
    if not isinstance(reference, str) or not IDENTIFIER.fullmatch(reference):
        raise BiometricsError(Code.REFERENCE_INVALID)
    return reference


@dataclass(frozen=True)
class AbisCandidate:
    reference: str
    score: float
    match: bool

    def as_dict(self) -> dict:
        return {"reference": self.reference, "score": round(float(self.score), 4), "match": bool(self.match)}


class AbisBackend(Protocol):
    """What an ABIS does for us. ``record`` and ``probe`` are ISO/IEC 19794-2 records."""

    def insert(self, reference: str, record: bytes) -> None: ...

    def identify(self, probe: bytes, *, exclude: str | None, gallery: Sequence[str],
                 max_results: int) -> list[AbisCandidate]: ...  # fmt: skip

    def delete(self, reference: str) -> bool: ...

    def record_of(self, reference: str) -> bytes | None: ...

    def count(self) -> int: ...


def _context(reference: str) -> str:
    return f"abis_gallery:{reference}"


class ReferenceBackend:
    def __init__(self):
        self._engine = None
        self._seen = 0  # the last AbisGalleryChange folded into the engine
        self._lock = threading.RLock()

    # the gallery in the database ---------------------------------------------------------------------
    def insert(self, reference: str, record: bytes) -> None:
        from cancuoc.fingerprints.templates import decode_iso19794_2

        fingers = len(decode_iso19794_2(record))  # refuse garbage before it reaches the gallery
        AbisGalleryEntry.objects.update_or_create(
            reference=reference,
            defaults={"templates": crypto.seal_bytes(record, _context(reference)), "fingers": fingers},
        )
        AbisGalleryChange.objects.create(reference=reference, kind=AbisGalleryChange.Kind.INSERT)

    def delete(self, reference: str) -> bool:
        deleted, _ = AbisGalleryEntry.objects.filter(reference=reference).delete()
        if deleted:
            AbisGalleryChange.objects.create(reference=reference, kind=AbisGalleryChange.Kind.DELETE)
        return bool(deleted)

    def record_of(self, reference: str) -> bytes | None:
        entry = AbisGalleryEntry.objects.filter(reference=reference).first()
        return None if entry is None else crypto.open_bytes(entry.templates, _context(reference))

    def count(self) -> int:
        return AbisGalleryEntry.objects.count()

    # the engine in memory ----------------------------------------------------------------------------
    def forget(self) -> None:
        """Drop the in-memory mirror (after a rolled-back transaction); the next search reloads it."""
        with self._lock:
            self._engine, self._seen = None, 0

    def _load(self, entry, engine) -> None:
        from cancuoc.fingerprints.templates import decode_iso19794_2

        engine.insert(
            entry.reference, decode_iso19794_2(crypto.open_bytes(entry.templates, _context(entry.reference)))
        )

    def engine(self):
        """The in-memory engine, brought up to date with the gallery's change log."""
        from cancuoc.fingerprints.engine import ReferenceEngine

        with self._lock:
            last = AbisGalleryChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            if self._engine is None or last < self._seen:
                engine = ReferenceEngine(**getattr(settings, "CANCUOC_ABIS_ENGINE_OPTIONS", {}))
                for entry in AbisGalleryEntry.objects.iterator(chunk_size=2000):
                    self._load(entry, engine)
                self._engine, self._seen = engine, last
            elif last > self._seen:
                changes = AbisGalleryChange.objects.filter(pk__gt=self._seen, pk__lte=last).order_by("pk")
                touched = dict.fromkeys(change.reference for change in changes)
                present = {
                    e.reference: e for e in AbisGalleryEntry.objects.filter(reference__in=list(touched))
                }
                for reference in touched:
                    self._engine.delete(reference)
                    if reference in present:
                        self._load(present[reference], self._engine)
                self._seen = last
            return self._engine

    def identify(self, probe: bytes, *, exclude: str | None = None, gallery: Sequence[str] = (),
                 max_results: int = 10) -> list[AbisCandidate]:  # fmt: skip
        from cancuoc.fingerprints.templates import decode_iso19794_2

        templates = decode_iso19794_2(probe)
        engine = self.engine()
        if gallery:
            found = []
            for entry in AbisGalleryEntry.objects.filter(reference__in=list(gallery)).exclude(
                reference=exclude or ""
            ):
                enrolled = decode_iso19794_2(crypto.open_bytes(entry.templates, _context(entry.reference)))
                outcome = engine.verify(templates, enrolled)
                found.append(AbisCandidate(entry.reference, float(outcome.score), bool(outcome.match)))
            found.sort(key=lambda c: -c.score)
            return found[:max_results]
        return [AbisCandidate(c.reference, float(c.score), bool(c.match))
                for c in engine.identify(templates, limit=max_results, exclude=exclude)]  # fmt: skip


_backend: AbisBackend | None = None
_backend_lock = threading.Lock()


def backend() -> AbisBackend:
    global _backend
    with _backend_lock:
        if _backend is None:
            path = getattr(settings, "CANCUOC_ABIS_BACKEND", "cancuoc.biometrics.abis.ReferenceBackend")
            _backend = import_string(path)()
        return _backend


def reset_backend() -> None:
    global _backend
    with _backend_lock:
        _backend = None
