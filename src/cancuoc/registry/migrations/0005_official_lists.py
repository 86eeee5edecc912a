# The official lists of ethnic groups and religions: a religion's official name needs up to 44 characters
# (and "Khác: …" more), and a value outside the lists gets a quality flag. No column changes: religion is
# stored as ciphertext in a text column; both changes are to the validated state only.

from django.db import migrations, models

import cancuoc.protection.fields


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_encrypted_personal_fields")]

    operations = [
        migrations.AlterField(
            model_name="citizen",
            name="religion",
            field=cancuoc.protection.fields.EncryptedCharField(
                blank=True, max_length=80, pad_to=64, verbose_name="religion"
            ),
        ),
        migrations.AlterField(
            model_name="qualityflag",
            name="code",
            field=models.CharField(
                choices=[
                    ("missing_fields", "Mandatory fields missing"),
                    ("id_contradicts", "ID number contradicts birth data"),
                    ("duplicate", "Suspected duplicate record"),
                    ("dead_present", "Dead but marked present"),
                    ("legacy_birth_date", "Birth date known only by year"),
                    ("outside_list", "Ethnicity or religion outside the official lists"),
                ],
                max_length=20,
            ),
        ),
    ]
