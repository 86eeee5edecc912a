"""Fast inserts for the bulk paths (demo data, imports): COPY on PostgreSQL, multi-row INSERT on SQLite.

Django's ``bulk_create`` spends most of its time compiling expressions per value; for a million rows that
is most of the job. Here values go through each field's own ``get_db_prep_save`` (so dates, datetimes,
JSON and foreign keys are stored exactly as the ORM would store them) into one ``executemany``.
Primary keys are not returned: callers read them back by a unique column.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def insert_instances(instances: Sequence[Model], *, batch_size: int = 5000) -> None:
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    fields = [
        f for f in meta.concrete_fields if not f.primary_key or getattr(instances[0], f.attname) is not None
    ]
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Many rows per statement: one round trip carries up to ~30,000 values (under SQLite's and
    # PostgreSQL's limits on parameters per statement).
    rows_per_statement = max(1, min(batch_size, 30000 // len(fields)))
    prefix = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    # Text, integer and foreign-key values go to the driver as they are; only types the backend
    # adapts (dates, datetimes, JSON, ...) go through the field's own preparation.
    plain = {
        "CharField",
        "TextField",
        "IntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "BooleanField",
        "ForeignKey",
        "AutoField",
        "BigAutoField",
    }
    prepare = [
        # encrypted fields (cancuoc.protection.fields) are CharFields that must go through the field
        None if f.get_internal_type() in plain and not getattr(f, "encrypted", False)
        else (lambda value, f=f: f.get_db_prep_save(value, connection))
        for f in fields
    ]
    attnames = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        _copy_rows(meta.db_table, fields, attnames, prepare, instances, stamped, now)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(instances), rows_per_statement):
            rows = []
            for instance in instances[start : start + rows_per_statement]:
                for field in stamped:
                    if getattr(instance, field.attname) is None or getattr(field, "auto_now", False):
                        setattr(instance, field.attname, now)
                values = instance.__dict__
                rows.append(tuple(
                    values[name] if convert is None else convert(values[name])
                    for name, convert in zip(attnames, prepare, strict=True)
                ))  # fmt: skip
            cursor.execute(
                prefix + ", ".join([row_placeholder] * len(rows)), [value for row in rows for value in row]
            )


def _copy_rows(table, fields, attnames, prepare, instances, stamped, now) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                for field in stamped:
                    if getattr(instance, field.attname) is None or getattr(field, "auto_now", False):
                        setattr(instance, field.attname, now)
                values = instance.__dict__
                copy.write_row([
                    values[name] if convert is None else convert(values[name])
                    for name, convert in zip(attnames, prepare, strict=True)
                ])  # fmt: skip


def assign_primary_keys(instances: Sequence[Model], unique_field: str) -> None:
    """Read back the primary keys of freshly inserted rows through a unique column."""
    if not instances:
        return
    model = type(instances[0])
    by_key = {getattr(instance, unique_field): instance for instance in instances}
    keys = list(by_key)
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        for pk, key in model.objects.filter(**{f"{unique_field}__any_of": chunk}).values_list("pk", unique_field):
            by_key[key].pk = pk
            by_key[key]._state.adding = False
