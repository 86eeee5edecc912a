"""PostgreSQL only: a GIN index over the words of the folded name, for "every word typed" name search.

An array index intersects the posting lists of the words and skips through a frequent word's list
(nguyen, van, thi) guided by the rarest one, where a trigram index must read every frequent trigram.
SQLite matches whole words with LIKE; the demo's sizes do not need an index there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS citizen_name_words ON registry_citizen "
        "USING gin ((string_to_array(name_folded, ' ')));"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS citizen_name_words;")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_trigram_search")]
    operations = [migrations.RunPython(forwards, backwards)]
