"""Sensitive citizen fields encrypted at rest (docs/adr/0006-personal-data-encryption.md): the columns
become ``text`` and every value already stored is encrypted in place, in batches."""

from django.db import migrations

import cancuoc.protection.fields

# column → padding, as in the model at the time of this migration
ENCRYPTED = {
    "other_names": 16, "ethnicity": 32, "religion": 64, "blood_type": 16,
    "father_name": 16, "mother_name": 16, "spouse_name": 16,
}  # fmt: skip
BATCH = 5000


def _convert(schema_editor, change) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = list(ENCRYPTED)
    select = (
        f"SELECT id, {', '.join(quote(c) for c in columns)} FROM registry_citizen WHERE id > %s ORDER BY id"
    )
    update = f"UPDATE registry_citizen SET {', '.join(f'{quote(c)} = %s' for c in columns)} WHERE id = %s"
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"{select} LIMIT {BATCH}", [last])
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(update, [
                [change(column, value) for column, value in zip(columns, row[1:], strict=True)] + [row[0]]
                for row in rows
            ])  # fmt: skip
            last = rows[-1][0]


def encrypt_existing(apps, schema_editor):
    from cancuoc.protection import crypto

    def seal(column, value):
        if value is None or crypto.is_sealed(value):
            return value
        return crypto.seal(value, f"registry_citizen.{column}", pad_to=ENCRYPTED[column])

    _convert(schema_editor, seal)


def decrypt_existing(apps, schema_editor):
    from cancuoc.protection import crypto

    def reveal(column, value):
        if value is None or not crypto.is_sealed(value):
            return value
        return crypto.open_sealed(value, f"registry_citizen.{column}")

    _convert(schema_editor, reveal)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_name_word_search"),
    ]

    operations = [
        migrations.AlterField(
            model_name="citizen",
            name="blood_type",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True,
                choices=[("O", "O"), ("A", "A"), ("B", "B"), ("AB", "AB")],
                max_length=2,
                verbose_name="blood type",
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="ethnicity",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=40, pad_to=32, verbose_name="ethnicity"
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="father_name",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=140, verbose_name="father's name"
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="mother_name",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=140, verbose_name="mother's name"
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="other_names",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=140, verbose_name="other names"
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="religion",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=40, pad_to=64, verbose_name="religion"
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="spouse_name",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=140, verbose_name="spouse's name"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
