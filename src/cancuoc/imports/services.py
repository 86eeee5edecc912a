"""Citizen import: upload → check every row (report) → confirm → apply, all or nothing.

Checking and applying run the same row pipeline (``_prepared_batches``), so what the report promised is
what applying does; applying re-checks because the registry may have changed in between. Applying is one
transaction: a crash at any row leaves the registry exactly as before the job. Re-importing a file
changes nothing: rows are upserted by ID number and unchanged records are skipped.

Job states: uploaded → validating → validated → applying → applied, or failed (with an ``ImportErrorCode``
and the phase it failed in). A file refused by a limit fails its job and leaves nothing of it behind.
While a job checks or applies, a heartbeat in the shared cache says which process runs it; a job whose
heartbeat stopped (its worker was killed) is marked failed by ``fail_interrupted_jobs`` and may be run
again. Uploaded files are deleted ``CANCUOC_IMPORT_RETENTION_DAYS`` after their job ended
(``purge_expired_uploads``).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, in_area, require_permission
from cancuoc.protection.files import open_encrypted_read, open_encrypted_write
from cancuoc.registry import access, quality
from cancuoc.registry import events as registry_events
from cancuoc.registry.actions import UNIT_FIELDS
from cancuoc.registry.actions.batches import NOT_SEEN, CitizenRow, changes_for, write_citizens
from cancuoc.registry.bulk import insert_instances
from cancuoc.registry.errors import RegistryErrorCode, problem
from cancuoc.registry.models import AllocatedIdNumber, Citizen, Relation
from cancuoc.registry.validation import Problem, clean_citizen
from cancuoc.rules.text import fold, split_full_name
from cancuoc.units.models import AdministrativeUnit, Level, Structure
from cancuoc.units.selectors import parse_unit_code

from . import events as import_events
from .columns import EXAMPLE_ID_NUMBER
from .errors import ImportErrorCode, message
from .errors import problem as import_problem
from .models import ImportJob, ImportRowError, ImportSeenVersion
from .reading import Limits, RawRow, UnreadableFile, detect_format, estimate_rows, read_file

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
RELATION_ALIASES = {
    "chu ho": Relation.HEAD, "head": Relation.HEAD, "vo": Relation.SPOUSE, "chong": Relation.SPOUSE,
    "spouse": Relation.SPOUSE, "con": Relation.CHILD, "child": Relation.CHILD, "cha": Relation.PARENT,
    "me": Relation.PARENT, "bo": Relation.PARENT, "parent": Relation.PARENT, "chau": Relation.GRANDCHILD,
    "grandchild": Relation.GRANDCHILD, "anh": Relation.SIBLING, "chi": Relation.SIBLING, "em": Relation.SIBLING,
    "sibling": Relation.SIBLING, "khac": Relation.OTHER, "other": Relation.OTHER,
    "anh chi em": Relation.SIBLING, "vo chong": Relation.SPOUSE, "cha me": Relation.PARENT,  # as exported
}  # fmt: skip
MARITAL_ALIASES = {
    "doc than": "single", "chua ket hon": "single", "single": "single", "da ket hon": "married", "co vo": "married",
    "co chong": "married", "married": "married", "ly hon": "divorced", "divorced": "divorced", "goa": "widowed",
    "widowed": "widowed",
}  # fmt: skip

Progress = Callable[[str, int, int], None]


class ImportRejected(Exception):
    """The whole file was refused before any row was read (too big, unreadable, wrong columns)."""

    def __init__(self, message_vi: str, message_en: str, code: ImportErrorCode | None = None):
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi, self.message_en, self.code = message_vi, message_en, code

    @classmethod
    def of(cls, code: ImportErrorCode, **values) -> ImportRejected:
        return cls(*message(code, **values), code=code)


def limits() -> Limits:
    return Limits(
        max_rows=settings.CANCUOC_IMPORT_MAX_ROWS,
        max_cell_chars=settings.CANCUOC_IMPORT_MAX_CELL_CHARS,
        max_line_chars=settings.CANCUOC_IMPORT_MAX_LINE_CHARS,
        max_decompressed_bytes=settings.CANCUOC_IMPORT_MAX_DECOMPRESSED_BYTES,
    )


def _open_stored(path: Path):
    """The opener of a stored upload (encrypted at rest; cancuoc.protection.files)."""
    return lambda: open_encrypted_read(path)


def _stored_file(job: ImportJob):
    path = Path(job.stored_path)
    if job.file_deleted_at is not None or not job.stored_path or not path.is_file():
        raise UnreadableFile(ImportErrorCode.FILE_DELETED)
    return _open_stored(path)


# --- upload -------------------------------------------------------------------------------------------


def create_job(acting_user, uploaded, original_name: str) -> ImportJob:
    """Store an upload (a Django UploadedFile or a path) and create its job. Refuses what cannot be a
    citizen file before storing it."""
    require_permission(acting_user, Verb.IMPORT_CREATE)
    size = uploaded.size if hasattr(uploaded, "size") else Path(uploaded).stat().st_size
    limit = settings.CANCUOC_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected.of(ImportErrorCode.FILE_TOO_LARGE, size_mb=size // 1_048_576, limit_mb=limit // 1_048_576)
    if size == 0:
        raise ImportRejected.of(ImportErrorCode.FILE_EMPTY)
    target_dir = Path(settings.UPLOAD_ROOT)
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target_dir.chmod(0o700)  # uploads are personal data: the folder and each file are owner-only
    target = target_dir / f"{uuid.uuid4().hex}.upload"
    with open_encrypted_write(target) as out:  # encrypted at rest, owner-only (docs/data-protection.md)
        if hasattr(uploaded, "chunks"):
            for chunk in uploaded.chunks():
                out.write(chunk)
        else:
            with open(uploaded, "rb") as source:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
    with open_encrypted_read(target) as stored:
        head = stored.read(8)
    try:
        file_format = detect_format(original_name, head)
    except UnreadableFile as error:
        target.unlink(missing_ok=True)
        raise ImportRejected(error.message_vi, error.message_en, error.code) from error
    target = target.rename(target.with_suffix(f".{file_format}"))
    total = estimate_rows(_open_stored(target), file_format, limits())
    return ImportJob.objects.create(
        uploaded_by=acting_user, original_name=original_name[:200], stored_path=str(target),
        file_format=file_format, size_bytes=size, total_rows=total,
    )  # fmt: skip


# --- the row pipeline ---------------------------------------------------------------------------------


class UnitResolver:
    """Unit codes from files: today's communes first; an old commune code resolves to its single
    successor (a commune split in 2025 needs today's code). A code qualified "cũ:01" (what our export
    writes for a pre-2025 unit) names exactly that pre-2025 unit, so an export re-imports unchanged."""

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

        written = code
        old_structure, code = parse_unit_code(code)
        if not code.isdigit() or len(code) > 8:
            return Problem(column, "bad_unit_code", f"Mã đơn vị hành chính không hợp lệ: {written!r}",
                           f"Invalid administrative unit code: {written!r}")  # fmt: skip
        if old_structure:
            units = AdministrativeUnit.objects.filter(
                structure=Structure.PRE_2025, code=code.zfill(5) if level == Level.COMMUNE else code
            )
            unit = (units.filter(level=level) if level is not None else units).first()
            if unit is None:
                return Problem(column, "unknown_unit", f"Không có đơn vị hành chính cũ (trước 2025) mã {code}",
                               f"No pre-2025 administrative unit has code {code}")  # fmt: skip
            return unit
        unit, in_force = unit_for_code(code, level, on=timezone.localdate())
        if unit is None:
            return Problem(column, "unknown_unit", f"Không có đơn vị hành chính mã {code}",
                           f"No administrative unit has code {code}")  # fmt: skip
        if len(in_force) != 1:
            return Problem(column, "unit_split", f"Xã/phường mã {code} đã giải thể và chia cho nhiều đơn vị; hãy dùng mã mới",
                           f"Commune {code} ceased and was split; use today's code")  # fmt: skip
        return in_force[0]


# a row of the file, checked: the registry's bulk-write row (registry.actions.batches)
PreparedRow = CitizenRow


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
    row = PreparedRow(raw.line, cleaned.values, problems=[*raw.problems, *cleaned.problems])
    if row.values.get("id_number") == EXAMPLE_ID_NUMBER:  # the template's example row, uploaded as it is
        row.problems.append(
            import_problem("id_number", ImportErrorCode.CELL_EXAMPLE_NUMBER, number=EXAMPLE_ID_NUMBER)
        )
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
    header_problems, raw_rows = read_file(_stored_file(job), job.file_format, limits())
    del header_problems  # unknown columns are reported on the job page, not per row
    resolver = UnitResolver()
    today = timezone.localdate()
    seen: dict[str, int] = {}
    refused: list[tuple[str, int, str]] = []
    unavailable = 0
    # what the officer may still try today: a sweep split into many small files is still a sweep
    limit = min(settings.CANCUOC_IMPORT_MAX_UNAVAILABLE,
                max(settings.CANCUOC_MAX_UNAVAILABLE_PER_DAY - registry_events.refusals_in_last_day(acting_user), 0))  # fmt: skip
    done = 0
    estimated = max(job.total_rows, 1)
    while True:
        raws = list(itertools.islice(raw_rows, BATCH_SIZE))
        if not raws:
            return
        rows = [_prepare_row(raw, resolver, today) for raw in raws]
        numbers = [row.values["id_number"] for row in rows if "id_number" in row.values]
        existing = {c.id_number: c for c in Citizen.objects.filter(id_number__any_of=numbers).select_related(
            "permanent_unit", "temporary_unit", "current_unit", "household")}  # fmt: skip
        cancelled = set(AllocatedIdNumber.objects.filter(number__any_of=numbers, status=AllocatedIdNumber.Status.CANCELLED)
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
            if row.problems:
                continue  # a row refused anyway learns nothing about its number
            # a number that exists outside the area or was cancelled: one answer for both, audited
            # a cancelled number refuses a *new* record; the record that still holds it re-imports as itself
            cause = "cancelled" if number in cancelled and current is None else None
            if current is not None and not access.citizen_in_area(acting_user, current, Verb.CITIZEN_READ):
                cause = "exists_outside_area"
            if cause is not None:
                row.problems.append(problem("id_number", RegistryErrorCode.ID_UNAVAILABLE))
                refused.append((number, row.line, cause))
            elif current is not None:
                allowed = access.changeable_fields(acting_user, current)
                if allowed is not None:
                    row.problems.extend(problem(name, RegistryErrorCode.FIELD_NOT_YOURS)
                                        for name in changes_for(current, row) if name not in allowed)  # fmt: skip
        for number, line, cause in refused[unavailable:]:
            registry_events.citizen_creation_refused(acting_user, id_number=number, where=f"import line {line}",
                                                     cause=cause)  # fmt: skip
        unavailable = len(refused)
        if unavailable > limit:
            # a file that keeps naming numbers it may not use reads like a sweep for which numbers exist
            raise UnreadableFile(ImportErrorCode.FILE_TOO_MANY_UNAVAILABLE, limit=limit)
        done += len(raws)
        if progress:
            progress("rows", done, max(estimated, done))
        yield rows, existing


def _set_progress(job: ImportJob, phase: str, done: int, total: int) -> None:
    cache.set(f"import-progress:{job.pk}", {"phase": phase, "done": done, "total": total}, 3600)


def progress_of(job: ImportJob) -> dict:
    return cache.get(f"import-progress:{job.pk}") or {"phase": job.status, "done": 0, "total": job.total_rows}


class _ErrorSink:
    """Stores the first CANCUOC_IMPORT_MAX_STORED_ERRORS row problems of a job and counts the rest."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.limit = settings.CANCUOC_IMPORT_MAX_STORED_ERRORS
        self.stored = 0
        self.unstored = 0

    def add(self, rows: list[PreparedRow]) -> None:
        problems = [(row.line, p) for row in rows for p in row.problems]
        kept = problems[: max(self.limit - self.stored, 0)]
        self.unstored += len(problems) - len(kept)
        self.stored += len(kept)
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(job=self.job, line=line, column=p.field[:60], code=p.code,
                               message_vi=p.message_vi[:300], message_en=p.message_en[:300])
                for line, p in kept
            ],  # fmt: skip
            batch_size=2000,
        )


def unstored_note(job: ImportJob) -> tuple[str, str]:
    return message(ImportErrorCode.REPORT_TRUNCATED, stored=job.row_errors.count(),
                   unstored=job.unstored_errors)  # fmt: skip


# --- job states ---------------------------------------------------------------------------------------

# How often a running job says it is alive; CANCUOC_IMPORT_STALE_AFTER_SECONDS must be well above it.
HEARTBEAT_SECONDS = 15.0


def _heartbeat_key(job_pk: int) -> str:
    return f"import-heartbeat:{job_pk}"


def _beat(job_pk: int) -> None:
    cache.set(_heartbeat_key(job_pk), {"at": time.time(), "host": socket.gethostname(), "pid": os.getpid()},
              7 * 86400)  # fmt: skip


class _Heartbeat:
    """While a job checks or applies, a thread writes "alive, host, pid" to the shared cache (the apply
    transaction cannot be seen from outside, so the database cannot carry it)."""

    def __init__(self, job: ImportJob):
        self.job_pk = job.pk
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"import-{job.pk}-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                _beat(self.job_pk)
            except Exception:  # a missed beat must not stop the import; the next one may succeed
                logger.exception("import %s: heartbeat failed", self.job_pk)

    def __enter__(self):
        _beat(self.job_pk)
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.stop.set()
        self.thread.join()
        # Stopped by SystemExit or KeyboardInterrupt, the job is left validating/applying: the last beat,
        # naming this process, lets the next worker see at once that it is gone.
        if exc_type is None or issubclass(exc_type, Exception):
            cache.delete(_heartbeat_key(self.job_pk))


class JobNotWaiting(ValueError):
    """The job is not (or no longer) waiting for confirmation: another confirmation took it."""

    def __init__(self, job_id: int):
        super().__init__(f"import job {job_id} is not waiting for confirmation")


def _start(job: ImportJob, status: str) -> None:
    job.status, job.heartbeat_at = status, timezone.now()
    job.error_code = job.error_vi = job.error_en = job.failed_phase = ""
    job.save(update_fields=["status", "heartbeat_at", "error_code", "error_vi", "error_en", "failed_phase"])


def _fail(job: ImportJob, code: ImportErrorCode, texts: tuple[str, str] | None = None, **values) -> ImportJob:
    """Mark the job failed with a bilingual reason; remembers the phase it failed in (for "run again")."""
    message_vi, message_en = texts or message(code, **values)
    if job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING):
        job.failed_phase = job.status
    job.status, job.error_code = ImportJob.Status.FAILED, str(code)
    job.error_vi, job.error_en = message_vi[:500], message_en[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error_vi", "error_en", "failed_phase", "finished_at"])
    _set_progress(job, "failed", 0, job.total_rows)
    return job


def _unexpected(job: ImportJob, error: Exception) -> ImportJob:
    # the class name only: the job page must not show paths, SQL or settings (the log has the traceback)
    logger.exception("import %s failed while %s", job.pk, job.status)
    return _fail(job, ImportErrorCode.JOB_FAILED, detail=type(error).__name__)


# --- validate -----------------------------------------------------------------------------------------


def validate_job(job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Check every row and store the report (its first CANCUOC_IMPORT_MAX_STORED_ERRORS problems).
    Changes no citizen. A file refused by a limit fails the job and leaves no partial report."""
    _start(job, ImportJob.Status.VALIDATING)
    job.row_errors.all().delete()
    job.seen_versions.all().delete()
    counts = JobCounts()
    errors = _ErrorSink(job)

    def report(phase, done, total):
        _set_progress(job, "validating", done, total)
        if progress:
            progress(phase, done, total)

    try:
        with _Heartbeat(job):
            for rows, existing in _prepared_batches(job, job.uploaded_by, report):
                errors.add(rows)
                counts.total += len(rows)
                seen = []
                for row in rows:
                    if row.problems:
                        counts.rejected += 1
                        continue
                    counts.valid += 1
                    current = existing.get(row.values["id_number"])
                    if current is None:
                        counts.created += 1
                    elif changes_for(current, row):
                        counts.updated += 1
                        seen.append(ImportSeenVersion(job=job, id_number=current.id_number, version=current.version))
                    else:
                        counts.unchanged += 1
                insert_instances(seen)
    except UnreadableFile as error:
        job.row_errors.all().delete()
        job.seen_versions.all().delete()
        return _fail(job, error.code, (error.message_vi, error.message_en))
    except Exception as error:
        job.row_errors.all().delete()
        job.seen_versions.all().delete()
        _unexpected(job, error)
        raise
    # On a checked job the counts are what applying *would* do; applying overwrites them with what it did.
    finished = {
        "total_rows": counts.total, "valid_rows": counts.valid, "rejected_rows": counts.rejected,
        "created_count": counts.created, "updated_count": counts.updated, "unchanged_count": counts.unchanged,
        "unstored_errors": errors.unstored, "status": ImportJob.Status.VALIDATED, "finished_at": timezone.now(),
    }  # fmt: skip
    # only if nobody marked the job failed meanwhile (fail_interrupted_jobs)
    if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(**finished):
        for name, value in finished.items():
            setattr(job, name, value)
        _set_progress(job, "validated", counts.total, counts.total)
    else:
        job.refresh_from_db()
    return job


# --- apply --------------------------------------------------------------------------------------------


class _InjectedFailure(Exception):
    """Raised by tests (through ``fail_after_batches``) to prove that a crash leaves nothing behind."""


class _NoLongerApplying(Exception):
    """The job was marked failed (its worker seemed gone) before this transaction could lock it."""


def apply_job(
    job: ImportJob, progress: Progress | None = None, *, fail_after_batches: int | None = None
) -> ImportJob:
    """Apply the valid rows of a checked job in one transaction, which also holds the job's row lock and
    writes its final state: a crash, a refusal or a killed worker leaves the registry, the report and
    the job as they were before applying began (the job then fails, and may run again)."""
    # claimed in one statement: a second confirmation (a double click, two workers) finds it taken
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.APPLYING
    )
    if not claimed:
        raise JobNotWaiting(job.pk)
    job.status = ImportJob.Status.APPLYING
    _start(job, ImportJob.Status.APPLYING)
    counts = JobCounts()
    errors = _ErrorSink(job)

    def report(phase, done, total):
        _set_progress(job, "applying", done, total)
        if progress:
            progress(phase, done, total)

    try:
        with _Heartbeat(job), transaction.atomic():
            locked = ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportJob.Status.APPLYING)
            if not locked.exists():
                raise _NoLongerApplying()
            job.row_errors.all().delete()
            touched: list[int] = []
            for batch_number, (rows, _existing) in enumerate(
                _prepared_batches(job, job.uploaded_by, report), start=1
            ):
                if fail_after_batches is not None and batch_number > fail_after_batches:
                    raise _InjectedFailure()
                counts.total += len(rows)
                touched.extend(_apply_batch(job, rows, counts))
                errors.add(rows)
            quality.flag_duplicates(touched)
            job.seen_versions.all().delete()
            import_events.import_applied(job, counts={"created": counts.created, "updated": counts.updated,
                                                      "unchanged": counts.unchanged, "rejected": counts.rejected})  # fmt: skip
            job.total_rows, job.valid_rows, job.rejected_rows = counts.total, counts.valid, counts.rejected
            job.created_count, job.updated_count = counts.created, counts.updated
            job.unchanged_count, job.unstored_errors = counts.unchanged, errors.unstored
            job.status, job.finished_at = ImportJob.Status.APPLIED, timezone.now()
            job.save()
    except UnreadableFile as error:
        return _fail(job, error.code, (error.message_vi, error.message_en))
    except _NoLongerApplying:
        job.refresh_from_db()
        return job
    except Exception as error:
        _unexpected(job, error)
        raise
    _set_progress(job, "applied", counts.total, counts.total)
    return job


# --- interrupted jobs, running again, retention -------------------------------------------------------


def _process_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return True  # unknown: only the time limit can tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child that its parent has not reaped yet
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _task_status(task_id: str) -> str | None:
    if not task_id:
        return None
    from django.core.exceptions import ValidationError
    from django_tasks_db.models import DBTaskResult

    try:
        return DBTaskResult.objects.filter(id=task_id).values_list("status", flat=True).first()
    except (ValidationError, ValueError):
        return None


def _interrupted(job: ImportJob, now: float) -> bool:
    """Is the process that checks or applies this job gone? Its heartbeat names a process of this machine
    that no longer runs, or is older than CANCUOC_IMPORT_STALE_AFTER_SECONDS, or its task has ended."""
    beat = cache.get(_heartbeat_key(job.pk))
    if beat:
        if beat.get("host") == socket.gethostname() and not _process_alive(beat.get("pid")):
            return True
        last = beat.get("at", 0.0)
    else:
        last = (job.heartbeat_at or job.created_at).timestamp()
    if now - last > settings.CANCUOC_IMPORT_STALE_AFTER_SECONDS:
        return True
    return _task_status(job.task_id) in ("SUCCESSFUL", "FAILED")


def _mark_task_interrupted(task_id: str) -> None:
    if _task_status(task_id) != "RUNNING":
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now(), exception_class_path="cancuoc.imports.WorkerStopped",
        traceback="The worker stopped while running this task (cancuoc imports recover).",
    )  # fmt: skip


def fail_interrupted_jobs(*, now: float | None = None) -> list[int]:
    """Mark failed every checking or applying job whose worker is gone (run by the worker when it
    starts and periodically, and by ``cancuoc imports recover``). Returns their ids."""
    now = time.time() if now is None else now
    failed = []
    running = ImportJob.objects.filter(status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING])
    for job in running:
        if not _interrupted(job, now):
            continue
        try:
            with transaction.atomic():
                # PostgreSQL: a live apply transaction holds this row, so it is skipped; SQLite: its
                # write lock makes this wait, then fail, and the job is looked at again next time.
                locked = (
                    ImportJob.objects.select_for_update(skip_locked=True)
                    .filter(pk=job.pk, status=job.status)
                    .first()
                )
                if locked is None:
                    continue
                if locked.status == ImportJob.Status.VALIDATING:
                    locked.row_errors.all().delete()  # a report cut short is no report
                _fail(locked, ImportErrorCode.JOB_INTERRUPTED)
                _mark_task_interrupted(locked.task_id)
        except DatabaseError:
            logger.warning("import %s: could not mark it interrupted now; will retry", job.pk, exc_info=True)
            continue
        cache.delete(_heartbeat_key(job.pk))
        failed.append(job.pk)
    return failed


def run_again(acting_user, job: ImportJob) -> ImportJob:
    """Put a job stopped by its worker (or an unexpected error) back where it stopped: a check runs
    again from the start; an apply runs again as a whole (it is all or nothing, so nothing of the
    stopped run remains). The caller enqueues the task (``tasks.start``)."""
    require_permission(acting_user, Verb.IMPORT_CREATE)
    if not job.may_run_again:
        raise ImportRejected("Không thể chạy lại việc nhập này", "This import cannot run again")
    status = ImportJob.Status.UPLOADED if job.failed_phase == ImportJob.Status.VALIDATING else ImportJob.Status.VALIDATED
    changed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=status, error_code="", error_vi="", error_en="", failed_phase="", finished_at=timezone.now()
    )
    if not changed:
        raise ImportRejected("Không thể chạy lại việc nhập này", "This import cannot run again")
    job.refresh_from_db()
    return job


def purge_expired_uploads(*, now=None) -> int:
    """Delete the uploaded files of jobs that ended more than CANCUOC_IMPORT_RETENTION_DAYS ago (the job
    and its report stay), and any stray file in UPLOAD_ROOT as old. Returns how many files went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CANCUOC_IMPORT_RETENTION_DAYS)
    deleted = 0
    ended = (
        ImportJob.objects.filter(file_deleted_at__isnull=True)
        .exclude(status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING])
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
    )
    for job in ended:
        if job.stored_path:
            path = Path(job.stored_path)
            deleted += path.is_file()
            path.unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(file_deleted_at=now)
    # files whose job was never created (a crash between storing and the job's row)
    root = Path(settings.UPLOAD_ROOT)
    if root.is_dir():
        kept = set(ImportJob.objects.filter(file_deleted_at__isnull=True).values_list("stored_path", flat=True))
        for path in root.iterdir():
            if path.is_file() and str(path) not in kept and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


def _apply_batch(job: ImportJob, rows: list[PreparedRow], counts: JobCounts) -> list[int]:
    """Write the valid rows of one batch through the registry's bulk action, each with the version of its
    record the check saw; rows the registry refuses now (changed since the check, …) join the report."""
    reason = f"Nhập tệp / import #{job.pk}: {job.original_name}"[:300]
    valid = [row for row in rows if not row.problems]
    seen = dict(
        ImportSeenVersion.objects.filter(job=job, id_number__any_of=[row.id_number for row in valid])
        .values_list("id_number", "version")
    )  # fmt: skip
    for row in valid:
        row.seen_version = seen.get(row.id_number, NOT_SEEN)
    outcome = write_citizens(job.uploaded_by, valid, reason=reason)
    counts.valid += len(valid) - len(outcome.refused)
    counts.rejected += len(rows) - len(valid) + len(outcome.refused)
    counts.created += len(outcome.created)
    counts.updated += len(outcome.updated)
    counts.unchanged += outcome.unchanged
    return outcome.written_ids
