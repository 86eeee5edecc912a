"""An index on the old 9-digit CMND number: a 9-digit search also looks it up (registry.selectors).

Created with SQL, like the search indexes of 0002 and 0003, so that the model keeps no index a reader
would look for in ``Meta``; both databases get it. ``id_number`` needs none: its unique index has a
``varchar_pattern_ops`` twin on PostgreSQL (Django creates it), which serves ``LIKE '034090%'``.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS citizen_old_id_number ON registry_citizen (old_id_number);"
    )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS citizen_old_id_number;")


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_official_lists")]
    operations = [migrations.RunPython(forwards, backwards)]
