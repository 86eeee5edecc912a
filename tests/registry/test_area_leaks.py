"""What the attacker review of issue 8 found: nothing of a record outside the officer's area may show
through another record's page, list, extract, flag or household, and hostile form values give clean errors."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cancuoc.registry import quality
from cancuoc.registry.models import Citizen
from cancuoc.units.selectors import invalidate_unit_index
from tests.factories import CitizenFactory, HouseholdFactory


@pytest.fixture(autouse=True)
def _forget_the_unit_index():
    yield
    invalidate_unit_index()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_suspected_duplicate_never_names_a_twin_outside_the_area(client, world, officers):
    hidden = CitizenFactory(id_number="001190000001", family_name="Nguyễn", middle_name="Thị", given_name="Liên",
                            birth_date=date(1993, 8, 7), permanent_unit=world.ba_dinh)  # fmt: skip
    mine = CitizenFactory(id_number="034190000002", family_name="Nguyễn", middle_name="Thị", given_name="Liên",
                          birth_date=date(1993, 8, 7), permanent_unit=world.thai_thuy)  # fmt: skip
    quality.flag_duplicates()
    assert mine.quality_flags.filter(code="duplicate").exists()
    client.force_login(officers["thai_thuy"])
    for url in (f"/citizens/{mine.id_number}/", "/citizens/quality/duplicate/",
                f"/citizens/quality/duplicates/{mine.pk}/"):  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert hidden.id_number not in answer.content.decode(), url
    assert hidden.id_number not in pdf_text(client.get(f"/citizens/{mine.id_number}/extract.pdf").content)


def test_the_extract_and_the_household_show_only_members_in_the_area(client, world, officers):
    household = HouseholdFactory(unit=world.ba_dinh, number="HK1")
    staying = CitizenFactory(id_number="001090000011", given_name="Tài", permanent_unit=world.ba_dinh,
                             temporary_unit=world.thai_thuy, household=household, relation_to_head="head")  # fmt: skip
    wife = CitizenFactory(id_number="001190000012", given_name="Hoa", permanent_unit=world.ba_dinh,
                          household=household, relation_to_head="spouse")  # fmt: skip
    client.force_login(officers["thai_thuy"])  # the commune where Tài only stays
    text = pdf_text(client.get(f"/citizens/{staying.id_number}/extract.pdf").content)
    assert staying.id_number in text and wife.id_number not in text
    # a member who moved to another commune is not shown by the household he left
    home = HouseholdFactory(unit=world.thai_thuy, number="HK2")
    CitizenFactory(id_number="034090000013", permanent_unit=world.thai_thuy, household=home, relation_to_head="head")
    moved = CitizenFactory(id_number="034090000014", permanent_unit=world.ba_dinh, household=home,
                           relation_to_head="child")  # fmt: skip
    for url in (f"/citizens/households/{home.pk}/", f"/api/v1/households/{home.pk}"):
        content = client.get(url).content.decode()
        assert "034090000013" in content and moved.id_number not in content, url


def test_a_list_cursor_outside_the_area_reads_like_a_missing_one(client, world, officers):
    for n in range(3):
        CitizenFactory(id_number=f"03409000002{n}", family_name="Lê", given_name=f"An{'abc'[n]}",
                       permanent_unit=world.thai_thuy)  # fmt: skip
    outside = CitizenFactory(id_number="001090000029", family_name="Lê", given_name="Anb", permanent_unit=world.ba_dinh)
    client.force_login(officers["thai_thuy"])
    missing = client.get("/citizens/list/", {"after": 99999999}).content.decode()
    for key in ("after", "before"):
        probe = client.get("/citizens/list/", {key: outside.pk}).content.decode()
        rows = [line for line in probe.splitlines() if "03409000002" in line]
        assert rows == [line for line in missing.splitlines() if "03409000002" in line], key


def test_hostile_versions_and_reasons_are_clean_errors(client, world, officers):
    household = HouseholdFactory(unit=world.thai_thuy, number="HK3")
    citizen = CitizenFactory(id_number="034090000031", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    answer = client.post(f"/citizens/households/{household.pk}/move/",
                         {"citizen": citizen.id_number, "relation": "other", "reason": "x",
                          f"version-{citizen.id_number}": "9" * 5000})  # fmt: skip
    assert answer.status_code < 500
    for reason in ("sửa\x00", "x" * 10_000):
        answer = client.patch(f"/api/v1/citizens/{citizen.id_number}", {"reason": reason, "current_address": "a"},
                              content_type="application/json")  # fmt: skip
        assert answer.status_code == 422
        assert answer.json()["code"] == "reason_invalid" or "reason_invalid" in answer.content.decode()
    assert Citizen.objects.get(pk=citizen.pk).current_address == citizen.current_address
