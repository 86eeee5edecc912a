"""``__any_of``: the bulk paths' membership test (one array parameter on PostgreSQL)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cancuoc.registry.models import Citizen, QualityFlag
from tests.factories import CitizenFactory


def test_any_of_finds_the_same_rows_as_in(world):
    citizens = [CitizenFactory(permanent_unit=world.thai_thuy) for _ in range(5)]
    wanted = [c.id_number for c in citizens[:3]] + ["999999999999"]
    assert set(Citizen.objects.filter(id_number__any_of=wanted).values_list("id_number", flat=True)) == set(wanted[:3])
    assert set(Citizen.objects.filter(id_number__any_of=wanted)) == set(Citizen.objects.filter(id_number__in=wanted))
    assert not Citizen.objects.filter(id_number__any_of=[]).exists()


def test_any_of_on_a_foreign_key_and_as_one_parameter_on_postgresql(world):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    QualityFlag.objects.create(citizen=citizen, code="missing_fields")
    numbers = [f"{n:012d}" for n in range(3000)] + [citizen.id_number]
    with CaptureQueriesContext(connection) as queries:
        assert Citizen.objects.filter(id_number__any_of=numbers).count() == 1
    assert QualityFlag.objects.filter(citizen__any_of=[citizen.pk]).count() == 1
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
