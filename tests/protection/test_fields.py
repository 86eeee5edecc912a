"""Sensitive citizen fields are ciphertext in the database and plain text to the code that reads them."""

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from cancuoc.protection import crypto
from cancuoc.registry.bulk import insert_instances
from cancuoc.registry.models import Citizen
from tests.factories import CitizenFactory

from .conftest import SENSITIVE, new_citizen


def raw_columns(citizen_id: int, columns) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM registry_citizen WHERE id = %s", [citizen_id])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_the_database_holds_ciphertext_and_the_model_plain_text(officers):
    citizen = new_citizen(officers["thai_thuy"])
    stored = raw_columns(citizen.pk, list(SENSITIVE))
    for name, plain in SENSITIVE.items():
        assert stored[name].startswith("enc1:"), name
        # (a two-letter value such as "AB" may occur in base64 by chance)
        assert len(plain) < 4 or plain not in stored[name], name
    # nothing readable anywhere in the row
    assert not any(word in str(stored) for word in ("Tày", "Phật", "Bình", "Maria"))
    fresh = Citizen.objects.get(pk=citizen.pk)
    assert {name: getattr(fresh, name) for name in SENSITIVE} == SENSITIVE
    assert (
        Citizen.objects.filter(pk=citizen.pk).values_list("religion", flat=True).get() == "Phật giáo Hòa Hảo"
    )


def test_empty_values_are_encrypted_too_and_lengths_do_not_tell_the_value(officers):
    plain_one = new_citizen(officers["thai_thuy"], ethnicity="Kinh", religion="", other_names="")
    other = new_citizen(officers["thai_thuy"], id_number="034190000322", ethnicity="Khơ Mú",
                        religion="Công giáo")  # fmt: skip
    first, second = (
        raw_columns(plain_one.pk, ["ethnicity", "religion"]),
        raw_columns(other.pk, ["ethnicity", "religion"]),
    )
    assert first["religion"].startswith("enc1:")  # "no religion" is not visible as an empty column
    assert len(first["ethnicity"]) == len(second["ethnicity"]) and len(first["religion"]) == len(
        second["religion"]
    )
    # the same value twice gives two different ciphertexts: equal values cannot be spotted
    third = new_citizen(officers["thai_thuy"], id_number="034190000323", ethnicity="Kinh")
    assert raw_columns(third.pk, ["ethnicity"])["ethnicity"] != first["ethnicity"]


def test_a_changed_byte_is_a_clean_error_not_garbage(officers):
    citizen = new_citizen(officers["thai_thuy"])
    token = raw_columns(citizen.pk, ["religion"])["religion"]
    position = len(token) - 5
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_citizen SET religion = %s WHERE id = %s", [tampered, citizen.pk])
    with pytest.raises(crypto.DecryptionError, match="registry_citizen.religion"):
        Citizen.objects.get(pk=citizen.pk)


def test_a_value_moved_to_another_column_does_not_open(officers):
    citizen = new_citizen(officers["thai_thuy"])
    religion = raw_columns(citizen.pk, ["religion"])["religion"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_citizen SET ethnicity = %s WHERE id = %s", [religion, citizen.pk])
    with pytest.raises(crypto.DecryptionError):
        Citizen.objects.get(pk=citizen.pk)


def test_plain_text_left_in_an_encrypted_column_is_an_error(officers):
    citizen = new_citizen(officers["thai_thuy"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_citizen SET ethnicity = 'Kinh' WHERE id = %s", [citizen.pk])
    with pytest.raises(crypto.DecryptionError):
        Citizen.objects.get(pk=citizen.pk)


def test_filtering_by_an_encrypted_value_fails_loudly(world):
    with pytest.raises(FieldError, match="encrypted"):
        list(Citizen.objects.filter(religion="Công giáo"))
    assert list(Citizen.objects.filter(religion__isnull=True)) == []


def test_the_bulk_insert_path_encrypts(world):
    """Imports and demo data write through registry/bulk.py (COPY on PostgreSQL), not through save()."""
    citizen = CitizenFactory.build(id_number="034090777777", permanent_unit=world.thai_thuy, **SENSITIVE)
    insert_instances([citizen])
    row = Citizen.objects.get(id_number="034090777777")
    stored = raw_columns(row.pk, list(SENSITIVE))
    assert all(value.startswith("enc1:") for value in stored.values())
    assert {name: getattr(row, name) for name in SENSITIVE} == SENSITIVE


def test_bulk_update_encrypts(world):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    citizen.religion = "Tin lành"
    Citizen.objects.bulk_update([citizen], ["religion"])
    assert raw_columns(citizen.pk, ["religion"])["religion"].startswith("enc1:")
    assert Citizen.objects.get(pk=citizen.pk).religion == "Tin lành"


def test_the_migration_encrypts_values_stored_before_it(officers):
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("cancuoc.registry.migrations.0004_encrypted_personal_fields")
    citizen = new_citizen(officers["thai_thuy"])
    with connection.cursor() as cursor:  # as an older version left it: plain text
        cursor.execute("UPDATE registry_citizen SET ethnicity = 'Mường', father_name = 'Đinh Công Tráng' "
                       "WHERE id = %s", [citizen.pk])  # fmt: skip
    migration.encrypt_existing(None, SimpleNamespace(connection=connection))
    stored = raw_columns(citizen.pk, ["ethnicity", "father_name", "religion"])
    assert all(value.startswith("enc1:") for value in stored.values()) and "Mường" not in str(stored)
    fresh = Citizen.objects.get(pk=citizen.pk)
    assert (fresh.ethnicity, fresh.father_name, fresh.religion) == (
        "Mường",
        "Đinh Công Tráng",
        "Phật giáo Hòa Hảo",
    )
