"""Citizen import: upload → check every row (report) → confirm → apply, all or nothing.

Checking and applying run the same row pipeline (``_prepared_batches``), so what the report promised is
what applying does; applying re-checks because the registry may have changed in between. Applying is one
transaction: a crash at any row leaves the registry exactly as before the job. Re-importing a file
changes nothing: rows are upserted by ID number and unchanged records are skipped.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, in_area, require_permission
from cancuoc.registry import access, quality
from cancuoc.registry import events as registry_events
from cancuoc.registry.actions import AUDITED_FIELDS, UNIT_FIELDS, diff, snapshot
from cancuoc.registry.bulk import assign_primary_keys, insert_instances
from cancuoc.registry.errors import RegistryErrorCode, problem
from cancuoc.registry.models import AllocatedIdNumber, Citizen, Household, Relation
from cancuoc.registry.validation import Problem, clean_citizen
from cancuoc.rules.text import fold, split_full_name
from cancuoc.units.models import AdministrativeUnit

from . import events as import_events
from .models import ImportJob, ImportRowError
from .reading import RawRow, UnreadableFile, detect_format, read_file

BATCH_SIZE = 2000
RELATION_ALIASES = {
    "chu ho": Relation.HEAD, "head": Relation.HEAD, "vo": Relation.SPOUSE, "chong": Relation.SPOUSE,
    "spouse": Relation.SPOUSE, "con": Relation.CHILD, "child": Relation.CHILD, "cha": Relation.PARENT,
    "me": Relation.PARENT, "bo": Relation.PARENT, "parent": Relation.PARENT, "chau": Relation.GRANDCHILD,
    "grandchild": Relation.GRANDCHILD, "anh": Relation.SIBLING, "chi": Relation.SIBLING, "em": Relation.SIBLING,
    "sibling": Relation.SIBLING, "khac": Relation.OTHER, "other": Relation.OTHER,
}  # fmt: skip
MARITAL_ALIASES = {
    "doc than": "single", "chua ket hon": "single", "single": "single", "da ket hon": "married", "co vo": "married",
    "co chong": "married", "married": "married", "ly hon": "divorced", "divorced": "divorced", "goa": "widowed",
    "widowed": "widowed",
}  # fmt: skip

Progress = Callable[[str, int, int], None]


class ImportRejected(Exception):
    """The whole file was refused before any row was read (too big, unreadable, wrong columns)."""

    def __init__(self, message_vi: str, message_en: str):
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi, self.message_en = message_vi, message_en


# --- upload -------------------------------------------------------------------------------------------


def create_job(acting_user, uploaded, original_name: str) -> ImportJob:
    """Store an upload (a Django UploadedFile or a path) and create its job. Refuses what cannot be a
    citizen file before storing it."""
    require_permission(acting_user, Verb.IMPORT_CREATE)
    size = uploaded.size if hasattr(uploaded, "size") else Path(uploaded).stat().st_size
    limit = settings.CANCUOC_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected(f"Tệp quá lớn ({size // 1_048_576} MB; tối đa {limit // 1_048_576} MB)",
                             f"File too large ({size // 1_048_576} MB; at most {limit // 1_048_576} MB)")  # fmt: skip
    if size == 0:
        raise ImportRejected("Tệp rỗng", "The file is empty")
    target_dir = Path(settings.UPLOAD_ROOT)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{uuid.uuid4().hex}.upload"
    with open(target, "wb") as out:
        if hasattr(uploaded, "chunks"):
            for chunk in uploaded.chunks():
                out.write(chunk)
        else:
            with open(uploaded, "rb") as source:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
    with open(target, "rb") as stored:
        head = stored.read(8)
    try:
        file_format = detect_format(original_name, head)
    except UnreadableFile as error:
        target.unlink(missing_ok=True)
        raise ImportRejected(error.message_vi, error.message_en) from error
    target = target.rename(target.with_suffix(f".{file_format}"))  # openpyxl insists on the extension
    return ImportJob.objects.create(
        uploaded_by=acting_user, original_name=original_name[:200], stored_path=str(target),
        file_format=file_format, size_bytes=size, total_rows=_estimate_rows(target, file_format),
    )  # fmt: skip


def _estimate_rows(path: Path, file_format: str) -> int:
    """A quick row count for the progress bar before the real count is known."""
    if file_format == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True)
            rows = (workbook.worksheets[0].max_row or 1) - 1
            workbook.close()
            return max(rows, 0)
        except Exception:  # an unreadable workbook is reported by the check itself
            return 0
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


# --- the row pipeline ---------------------------------------------------------------------------------


class UnitResolver:
    """Unit codes from files: today's communes first; an old commune code resolves to its single
    successor (a commune split in 2025 needs today's code)."""

    def __init__(self):
        self._cache: dict[tuple[str, int | None], AdministrativeUnit | Problem] = {}

    def resolve(self, code: str, level: int | None, column: str) -> AdministrativeUnit | Problem:
        key = (code, level)
        if key not in self._cache:
            self._cache[key] = self._lookup(code, level, column)
        found = self._cache[key]
        if isinstance(found, Problem) and found.field != column:
            found = Problem(column, found.code, found.message_vi, found.message_en)
        return found

    @staticmethod
    def _lookup(code: str, level: int | None, column: str) -> AdministrativeUnit | Problem:
        from cancuoc.units.selectors import unit_for_code

        if not code.isdigit() or len(code) > 8:
            return Problem(column, "bad_unit_code", f"Mã đơn vị hành chính không hợp lệ: {code!r}",
                           f"Invalid administrative unit code: {code!r}")  # fmt: skip
        unit, in_force = unit_for_code(code, level, on=timezone.localdate())
        if unit is None:
            return Problem(column, "unknown_unit", f"Không có đơn vị hành chính mã {code}",
                           f"No administrative unit has code {code}")  # fmt: skip
        if len(in_force) != 1:
            return Problem(column, "unit_split", f"Xã/phường mã {code} đã giải thể và chia cho nhiều đơn vị; hãy dùng mã mới",
                           f"Commune {code} ceased and was split; use today's code")  # fmt: skip
        return in_force[0]


@dataclass
class PreparedRow:
    line: int
    values: dict
    units: dict[str, AdministrativeUnit]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class JobCounts:
    total: int = 0
    valid: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _prepare_row(raw: RawRow, resolver: UnitResolver, today: date) -> PreparedRow:
    values = dict(raw.values)
    if "full_name" in values:
        full = values.pop("full_name")
        if full and not any(values.get(k) for k in ("family_name", "middle_name", "given_name")):
            values["family_name"], values["middle_name"], values["given_name"] = split_full_name(full)
    cleaned = clean_citizen(values, today=today)
    row = PreparedRow(raw.line, cleaned.values, {}, [*raw.problems, *cleaned.problems])
    for column, (attribute, level) in UNIT_FIELDS.items():
        code = row.values.pop(column, None)
        if code:
            found = resolver.resolve(code, level, column)
            if isinstance(found, Problem):
                row.problems.append(found)
            else:
                row.units[attribute] = found
    if not row.units.get("permanent_unit") and not any(
        p.field == "permanent_unit_code" for p in row.problems
    ):
        row.problems.append(Problem("permanent_unit_code", "required", "Thiếu mã xã thường trú",
                                    "Permanent residence unit code is missing"))  # fmt: skip
    if relation := row.values.get("relation_to_head"):
        mapped = RELATION_ALIASES.get(fold(relation), relation if relation in Relation.values else None)
        if mapped is None:
            row.problems.append(Problem("relation_to_head", "bad_relation", f"Quan hệ với chủ hộ không hợp lệ: {relation!r}",
                                        f"Unknown relation to household head: {relation!r}"))  # fmt: skip
        else:
            row.values["relation_to_head"] = str(mapped)
    if marital := row.values.get("marital_status"):
        mapped = MARITAL_ALIASES.get(fold(marital))
        if mapped is None:
            row.problems.append(Problem("marital_status", "bad_marital_status", f"Tình trạng hôn nhân không hợp lệ: {marital!r}",
                                        f"Unknown marital status: {marital!r}"))  # fmt: skip
        else:
            row.values["marital_status"] = mapped
    return row


def _prepared_batches(
    job: ImportJob, acting_user, progress: Progress | None
) -> Iterator[tuple[list[PreparedRow], dict]]:
    """Yield (rows of one batch, existing citizens by number), every row checked against the registry."""
    header_problems, raw_rows = read_file(Path(job.stored_path), job.file_format)
    del header_problems  # unknown columns are reported on the job page, not per row
    resolver = UnitResolver()
    today = timezone.localdate()
    seen: dict[str, int] = {}
    refused: list[tuple[str, int, str]] = []
    done = 0
    estimated = max(job.total_rows, 1)
    while True:
        raws = list(itertools.islice(raw_rows, BATCH_SIZE))
        if not raws:
            return
        rows = [_prepare_row(raw, resolver, today) for raw in raws]
        numbers = [row.values["id_number"] for row in rows if "id_number" in row.values]
        existing = {c.id_number: c for c in Citizen.objects.filter(id_number__in=numbers).select_related(
            "permanent_unit", "temporary_unit", "current_unit")}  # fmt: skip
        cancelled = set(AllocatedIdNumber.objects.filter(number__in=numbers, status=AllocatedIdNumber.Status.CANCELLED)
                        .values_list("number", flat=True))  # fmt: skip
        for row in rows:
            number = row.values.get("id_number")
            if number is None:
                continue
            if number in seen:
                row.problems.append(Problem("id_number", "duplicate_in_file", f"Số định danh trùng với dòng {seen[number]}",
                                            f"ID number repeats line {seen[number]}"))  # fmt: skip
            else:
                seen[number] = row.line
            current = existing.get(number)
            verb = Verb.CITIZEN_CREATE if current is None else Verb.CITIZEN_CHANGE_RESIDENCE
            if row.units and not any(in_area(acting_user, verb, u.path) for u in row.units.values()):
                row.problems.append(problem("permanent_unit_code", RegistryErrorCode.OUTSIDE_AREA))
            # a number that exists outside the area or was cancelled: one answer for both, audited
            cause = "cancelled" if number in cancelled else None
            if current is not None and not access.citizen_in_area(acting_user, current, Verb.CITIZEN_READ):
                cause = "exists_outside_area"
            if cause is not None:
                row.problems.append(problem("id_number", RegistryErrorCode.ID_UNAVAILABLE))
                refused.append((number, row.line, cause))
            elif current is not None:
                allowed = access.changeable_fields(acting_user, current)
                if allowed is not None:
                    row.problems.extend(problem(name, RegistryErrorCode.FIELD_NOT_YOURS)
                                        for name in _changes_for(current, row) if name not in allowed)  # fmt: skip
        for number, line, cause in refused:
            registry_events.citizen_creation_refused(acting_user, id_number=number, where=f"import line {line}",
                                                     cause=cause)  # fmt: skip
        refused.clear()
        done += len(raws)
        if progress:
            progress("rows", done, max(estimated, done))
        yield rows, existing


def _set_progress(job: ImportJob, phase: str, done: int, total: int) -> None:
    cache.set(f"import-progress:{job.pk}", {"phase": phase, "done": done, "total": total}, 3600)


def progress_of(job: ImportJob) -> dict:
    return cache.get(f"import-progress:{job.pk}") or {"phase": job.status, "done": 0, "total": job.total_rows}


def _store_errors(job: ImportJob, rows: list[PreparedRow]) -> None:
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job,
                line=row.line,
                column=p.field[:60],
                code=p.code,
                message_vi=p.message_vi[:300],
                message_en=p.message_en[:300],
            )
            for row in rows
            for p in row.problems
        ],  # fmt: skip
        batch_size=2000,
    )


def _fail(job: ImportJob, message_vi: str, message_en: str) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.error_vi, job.error_en = message_vi[:500], message_en[:500]
    job.finished_at = timezone.now()
    job.save()
    return job


# --- validate -----------------------------------------------------------------------------------------


def validate_job(job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Check every row and store the report. Changes no citizen."""
    job.status = ImportJob.Status.VALIDATING
    job.save(update_fields=["status"])
    job.row_errors.all().delete()
    counts = JobCounts()

    def report(phase, done, total):
        _set_progress(job, "validating", done, total)
        if progress:
            progress(phase, done, total)

    try:
        for rows, existing in _prepared_batches(job, job.uploaded_by, report):
            _store_errors(job, [row for row in rows if row.problems])
            counts.total += len(rows)
            for row in rows:
                if row.problems:
                    counts.rejected += 1
                    continue
                counts.valid += 1
                current = existing.get(row.values["id_number"])
                if current is None:
                    counts.created += 1
                elif _changes_for(current, row):
                    counts.updated += 1
                else:
                    counts.unchanged += 1
    except UnreadableFile as error:
        return _fail(job, error.message_vi, error.message_en)
    job.total_rows, job.valid_rows, job.rejected_rows = counts.total, counts.valid, counts.rejected
    # On a checked job these are what applying *would* do; applying overwrites them with what it did.
    job.created_count, job.updated_count, job.unchanged_count = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    job.status = ImportJob.Status.VALIDATED
    job.save()
    _set_progress(job, "validated", counts.total, counts.total)
    return job


def _apply_row(citizen: Citizen, row: PreparedRow, households: dict[str, Household]) -> None:
    for key, value in row.values.items():
        if key == "household_number":
            citizen.household = households[value]
        else:
            setattr(citizen, key, value)
    for attribute, unit in row.units.items():
        setattr(citizen, attribute, unit)
    citizen.refresh_name_keys()


def _changes_for(current: Citizen, row: PreparedRow) -> dict:
    before = snapshot(current)
    after = dict(before)
    for key, value in row.values.items():
        if key in AUDITED_FIELDS:
            after[key] = value.isoformat() if isinstance(value, date) else value
    for attribute, unit in row.units.items():
        after[f"{attribute}_id"] = unit.pk
    return diff(before, after)


# --- apply --------------------------------------------------------------------------------------------


class _InjectedFailure(Exception):
    """Raised by tests (through ``fail_after_batches``) to prove that a crash leaves nothing behind."""


def apply_job(
    job: ImportJob, progress: Progress | None = None, *, fail_after_batches: int | None = None
) -> ImportJob:
    """Apply the valid rows of a checked job in one transaction."""
    if job.status != ImportJob.Status.VALIDATED:
        raise ValueError(f"job {job.pk} is {job.status}, not validated")
    job.status = ImportJob.Status.APPLYING
    job.save(update_fields=["status"])
    job.row_errors.all().delete()
    counts = JobCounts()

    def report(phase, done, total):
        _set_progress(job, "applying", done, total)
        if progress:
            progress(phase, done, total)

    try:
        with transaction.atomic():
            rejected_rows: list[PreparedRow] = []
            touched: list[int] = []
            for batch_number, (rows, existing) in enumerate(
                _prepared_batches(job, job.uploaded_by, report), start=1
            ):
                if fail_after_batches is not None and batch_number > fail_after_batches:
                    raise _InjectedFailure()
                counts.total += len(rows)
                rejected_rows.extend(row for row in rows if row.problems)
                valid = [row for row in rows if not row.problems]
                counts.rejected += len(rows) - len(valid)
                counts.valid += len(valid)
                touched.extend(_apply_batch(job, valid, existing, counts))
            quality.flag_duplicates(touched)
            import_events.import_applied(job, counts={"created": counts.created, "updated": counts.updated,
                                                      "unchanged": counts.unchanged, "rejected": counts.rejected})  # fmt: skip
    except UnreadableFile as error:
        return _fail(job, error.message_vi, error.message_en)
    except Exception as error:
        _fail(job, f"Lỗi khi áp dụng, không có thay đổi nào được lưu: {error!r}",
              f"Applying failed; nothing was changed: {error!r}")  # fmt: skip
        raise
    _store_errors(job, rejected_rows)
    job.total_rows, job.valid_rows, job.rejected_rows = counts.total, counts.valid, counts.rejected
    job.created_count, job.updated_count, job.unchanged_count = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    job.status = ImportJob.Status.APPLIED
    job.finished_at = timezone.now()
    job.save()
    _set_progress(job, "applied", counts.total, counts.total)
    return job


def _apply_batch(
    job: ImportJob, rows: list[PreparedRow], existing: dict[str, Citizen], counts: JobCounts
) -> list[int]:
    reason = f"Nhập tệp / import #{job.pk}: {job.original_name}"[:300]
    households = _households_for(rows)
    new: list[Citizen] = []
    changed: list[tuple[Citizen, dict]] = []
    for row in rows:
        current = existing.get(row.values["id_number"])
        if current is None:
            citizen = Citizen()
            _apply_row(citizen, row, households)
            new.append(citizen)
            continue
        changes = _changes_for(current, row)
        if not changes:
            counts.unchanged += 1
            continue
        _apply_row(current, row, households)
        current.version += 1
        changed.append((current, changes))
    already = set(
        AllocatedIdNumber.objects.filter(number__in=[c.id_number for c in new]).values_list(
            "number", flat=True
        )
    )
    insert_instances([
        AllocatedIdNumber(number=c.id_number, allocated_by=job.uploaded_by, reason=reason[:200])
        for c in new if c.id_number not in already
    ])  # fmt: skip
    insert_instances(new)
    assign_primary_keys(new, "id_number")
    if changed:
        now = timezone.now()
        for citizen, _changes in changed:
            citizen.updated_at = now
        Citizen.objects.bulk_update(
            [c for c, _ in changed], [*_UPDATABLE, "version", "updated_at"], batch_size=BATCH_SIZE
        )
    counts.created += len(new)
    counts.updated += len(changed)
    audit_events = [registry_events.citizen_created_event(c, reason=reason, after=snapshot(c)) for c in new]
    audit_events += [registry_events.citizen_changed_event(c, reason=reason, fields=ch) for c, ch in changed]
    registry_events.citizens_written_in_bulk(job.uploaded_by, audit_events)
    quality.refresh_flags(new, check_duplicates=False, new=True)
    quality.refresh_flags([c for c, _ in changed], check_duplicates=False)
    affected = new + [c for c, _ in changed]
    return [c.pk for c in affected]


_UPDATABLE = [name.removesuffix("_id") for name in AUDITED_FIELDS if name not in ("id_number",)] + [
    "full_name", "name_folded", "name_sorted",
]  # fmt: skip


def _households_for(rows: list[PreparedRow]) -> dict[str, Household]:
    numbers = {row.values["household_number"]: row for row in rows if row.values.get("household_number")}
    found = {h.number: h for h in Household.objects.filter(number__in=list(numbers))}
    new = [
        Household(
            number=number, unit=row.units["permanent_unit"], address=row.values.get("permanent_address", "")
        )
        for number, row in numbers.items()
        if number not in found
    ]
    insert_instances(new)
    assign_primary_keys(new, "number")
    found.update({household.number: household for household in new})
    return found
