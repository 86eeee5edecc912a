"""PostgreSQL only: trigram indexes for partial, diacritic-insensitive name search (LIKE '%an%').

SQLite has no such index; the demo's sizes do not need one there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm;")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS citizen_name_trgm ON registry_citizen USING gin (name_folded gin_trgm_ops);"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS citizen_name_trgm;")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
