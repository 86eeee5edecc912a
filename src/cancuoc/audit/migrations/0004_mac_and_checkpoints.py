"""From a locked hash chain to MACed entries sealed into signed checkpoints (docs/adr/0003-audit-log.md).

Entries written before this migration are checked against their old hash chain first (the migration refuses
to run on a broken chain), then each gets its MAC under the current ``audit-mac`` key. On PostgreSQL the
order of the log then comes from the sequence ``audit_entry_sequence``.
"""

import hashlib
import json

from django.db import migrations, models

LEGACY_GENESIS = "0" * 64


def _legacy_digest(entry) -> str:
    content = {
        "seq": entry.sequence, "at": entry.at.isoformat(timespec="microseconds"), "actor": entry.actor_id,
        "username": entry.actor_username, "action": entry.action, "event": entry.event,
        "type": entry.object_type, "id": entry.object_id, "unit": entry.unit_path, "addr": entry.remote_addr,
        "agent": entry.user_agent, "reason": entry.reason, "changes": entry.changes,
    }  # fmt: skip
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((entry.previous_hash + canonical).encode("utf-8")).hexdigest()


def mac_existing_entries(apps, schema_editor):
    from cancuoc import keyring
    from cancuoc.audit import chain, guard

    connection = schema_editor.connection
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if not AuditEntry.objects.exists():
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    guard.remove(connection)
    key = keyring.current("audit-mac")
    previous, last = LEGACY_GENESIS, 0
    while True:
        batch = list(AuditEntry.objects.filter(sequence__gt=last).order_by("sequence")[:5000])
        if not batch:
            break
        for entry in batch:
            if entry.previous_hash != previous or _legacy_digest(entry) != entry.entry_hash:
                raise RuntimeError(
                    f"Nhật ký cũ hỏng ở mục {entry.sequence}: không chuyển đổi / the old audit chain is broken "
                    f"at entry {entry.sequence}; refusing to MAC it (run the old `cancuoc audit verify`)"
                )
            previous = entry.entry_hash
            canonical = chain.canonical_entry(
                sequence=entry.sequence, at=entry.at, actor_id=entry.actor_id,
                actor_username=entry.actor_username, action=entry.action, event=entry.event,
                object_type=entry.object_type, object_id=entry.object_id, unit_path=entry.unit_path,
                remote_addr=entry.remote_addr, user_agent=entry.user_agent, reason=entry.reason,
                changes=entry.changes, mac_key=key.version,
            )  # fmt: skip
            entry.mac_key, entry.mac = key.version, chain.entry_mac(key.secret, canonical)
        AuditEntry.objects.bulk_update(batch, ["mac_key", "mac"])
        last = batch[-1].sequence


def create_sequence_and_guard(apps, schema_editor):
    from cancuoc.audit import guard

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(sequence), 0) + 1 FROM audit_auditentry")
            start = cursor.fetchone()[0]
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS audit_entry_sequence START WITH {int(start)}")
    guard.install(connection)


def drop_sequence(apps, schema_editor):
    from cancuoc.audit import guard

    guard.remove(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS audit_entry_sequence")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_event_kind")]

    operations = [
        migrations.AddField(
            model_name="auditentry", name="mac_key", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="auditentry", name="mac", field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(mac_existing_entries, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditentry", name="previous_hash"),
        migrations.RemoveField(model_name="auditentry", name="entry_hash"),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("size", models.BigIntegerField(unique=True)),
                ("sequence", models.BigIntegerField(unique=True)),
                ("chain_hash", models.CharField(max_length=64)),
                ("gaps", models.JSONField(blank=True, default=list)),
                ("at", models.CharField(max_length=40)),
                ("key_id", models.CharField(max_length=80)),
                ("signature", models.CharField(max_length=120)),
            ],
            options={"ordering": ["-size"]},
        ),
        migrations.CreateModel(
            name="AuditSealMarker",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("high_sequence", models.BigIntegerField()),
                ("writers", models.JSONField(default=list)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(create_sequence_and_guard, drop_sequence),
    ]
