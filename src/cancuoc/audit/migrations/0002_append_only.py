"""Refuse UPDATE and DELETE on the audit table inside the database itself (see cancuoc.audit.guard)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from cancuoc.audit import guard

    guard.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from cancuoc.audit import guard

    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
