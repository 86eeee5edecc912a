"""Key rotation and re-encryption of what is stored under older key versions.

Rotation only adds a version: new values are sealed under it at once (every process picks it up within
``keyring.CURRENT_RECHECK_SECONDS``) and older values stay readable. ``rekey`` then re-encrypts, in batches
of rows each in its own short transaction, every encrypted citizen column and every stored upload that is
still under an older version. A row changed by someone else between the read and the write of its batch is
left alone (the write compares the old ciphertext) and counted; running ``rekey`` again picks it up.
Audit entries are never re-encrypted (the log is append-only): see docs/data-protection.md, "Keys".
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from cancuoc import keyring
from cancuoc.accounts.permissions import Verb, require_permission

from . import crypto, events, files

Progress = Callable[[int, int], None]


def encrypted_columns() -> list:
    """(model, [fields]) for every model holding encrypted fields."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if fields:
            found.append((model, fields))
    return found


@transaction.atomic
def rotate_data_key(acting_user) -> keyring.Key:
    """A new version of the personal-data key; it becomes current. Audited."""
    require_permission(acting_user, Verb.DATA_KEY_MANAGE)
    key = keyring.create_version(crypto.KEY_NAME)
    try:
        events.data_key_rotated(acting_user, key_name=crypto.KEY_NAME, version=key.version)
    except BaseException:
        # the entry was not written: no unaudited key may stay behind
        (keyring.keys_dir() / f"{crypto.KEY_NAME}.{key.version}.key").unlink(missing_ok=True)
        keyring.forget_cached_keys()
        raise
    return key


@dataclass
class RekeyReport:
    version: int
    rows: int = 0  # rows rewritten
    values: int = 0  # values re-encrypted
    skipped: int = 0  # rows changed by someone else meanwhile (run again)
    files: int = 0
    unreadable_files: list[str] = field(default_factory=list)  # left as they are, named in the report
    before: Counter = field(default_factory=Counter)  # key version → values found under it


def count_by_version() -> Counter:
    """How many encrypted values each key version holds (``cancuoc keys status``)."""
    return _scan()[0]


def versions_that_do_not_open() -> list[int]:
    """Key versions whose file no longer opens the values made with it: one value of each is tried
    (a key file replaced, damaged, or made anew after the folder was lost)."""
    failing = []
    for version, (context, token) in sorted(_scan()[1].items()):
        try:
            crypto.open_sealed(token, context)
        except crypto.DecryptionError:
            failing.append(version)
    return failing


def _scan() -> tuple[Counter, dict[int, tuple[str, str]]]:
    counts: Counter = Counter()
    samples: dict[int, tuple[str, str]] = {}
    quote = connection.ops.quote_name
    for model, fields in encrypted_columns():
        contexts = [f"{model._meta.db_table}.{f.column}" for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)}"
            )
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    for context, value in zip(contexts, row, strict=True):
                        if value is not None:
                            version = crypto.key_version_of(value)
                            counts[version] += 1
                            samples.setdefault(version, (context, value))
    return counts, samples


def rekey(acting_user, *, batch_size: int = 2000, progress: Progress | None = None) -> RekeyReport:
    """Re-encrypt everything stored under an older key version with the current one. Audited."""
    require_permission(acting_user, Verb.DATA_KEY_MANAGE)
    report = RekeyReport(version=crypto.current_version())
    for model, fields in encrypted_columns():
        _rekey_table(model, fields, report, batch_size, progress)
    report.files, report.unreadable_files = rekey_files(Path(settings.UPLOAD_ROOT), report.version)
    events.personal_data_rekeyed(acting_user, version=report.version, rows=report.rows, values=report.values,
                                 files=report.files)  # fmt: skip
    return report


def _rekey_table(model, fields, report: RekeyReport, batch_size: int, progress: Progress | None) -> None:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = [quote(f.column) for f in fields]
    contexts = [f"{model._meta.db_table}.{f.column}" for f in fields]
    pads = [f.pad_to for f in fields]
    current = f"{crypto.PREFIX}{report.version}:"
    total = model._default_manager.count()
    select = f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {pk} > %s ORDER BY {pk}"
    # compare-and-set: the row is rewritten only if it still holds what was read
    update = (f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} "
              f"WHERE {pk} = %s AND {' AND '.join(f'{c} = %s' for c in columns)}")  # fmt: skip
    last, seen = None, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"{select} LIMIT {int(batch_size)}", [last if last is not None else _lowest(model)]
            )
            rows = cursor.fetchall()
            if not rows:
                break
            changes = []
            for row in rows:
                old = list(row[1:])
                new = list(old)
                for i, value in enumerate(old):
                    if value is None or value.startswith(current):
                        continue
                    report.before[crypto.key_version_of(value)] += 1
                    new[i] = crypto.seal(crypto.open_sealed(value, contexts[i]), contexts[i], pad_to=pads[i])
                    report.values += 1
                if new != old:
                    changes.append((row[0], old, new))
            for key, old, new in changes:
                cursor.execute(update, [*new, key, *old])
                if cursor.rowcount == 1:
                    report.rows += 1
                else:
                    report.skipped += 1
        last = rows[-1][0]
        seen += len(rows)
        if progress:
            progress(seen, total)


def _lowest(model):
    return 0 if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField") else ""


def rekey_files(folder: Path, version: int) -> tuple[int, list[str]]:
    """Re-encrypt the encrypted files of ``folder`` that are under an older key version; returns how many,
    and the names of those that do not decrypt (left untouched: a damaged upload fails its own job)."""
    if not folder.is_dir():
        return 0, []
    done, unreadable = 0, []
    for path in sorted(folder.iterdir()):
        if (
            not path.is_file()
            or not files.is_encrypted_file(path)
            or files.key_version_of_file(path) == version
        ):
            continue
        fresh = path.with_name(path.name + ".rekey")
        try:
            with files.open_encrypted_read(path) as plain, files.open_encrypted_write(fresh) as out:
                while chunk := plain.read(1 << 20):
                    out.write(chunk)
        except crypto.DecryptionError:
            fresh.unlink(missing_ok=True)
            unreadable.append(path.name)
            continue
        os.replace(fresh, path)
        done += 1
    return done, unreadable
