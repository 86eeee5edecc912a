"""One set of field rules for the form, the API and the import (issue 8, first points)."""

from datetime import date

import pytest

from cancuoc.registry import actions
from cancuoc.registry.actions import RegistryError
from cancuoc.registry.models import Citizen
from cancuoc.registry.validation import clean_citizen
from tests.factories import CitizenFactory


def test_a_letter_in_the_number_is_named_as_such():
    problems = clean_citizen({"id_number": "00109500011A", "given_name": "An", "birth_date": "01/01/1995",
                              "sex": "Nam"}, today=date(2026, 12, 1)).problems  # fmt: skip
    assert [(p.code, p.message_en) for p in problems] == [
        ("id_not_digits", "The personal ID number contains a character that is not a digit: 'A' (position 12)")
    ]


def test_the_form_refuses_a_death_date_before_the_birth_date(client, officers, world):
    citizen = CitizenFactory(id_number="034090000123", permanent_unit=world.thai_thuy, birth_date=date(1990, 3, 15))
    client.force_login(officers["thai_thuy"])
    client.post("/citizens/034090000123/change/", {"date_of_death": "01/01/1980", "reason": "báo tử",
                                                   "version": citizen.version})  # fmt: skip
    citizen.refresh_from_db()
    assert citizen.date_of_death is None and citizen.version == 1


def test_a_birth_date_after_the_recorded_death_is_refused(officers, world):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=date(1990, 3, 15),
                             date_of_death=date(2020, 1, 1))  # fmt: skip
    with pytest.raises(RegistryError) as error:
        actions.update_citizen(officers["thai_thuy"], citizen, {"birth_date": "01/01/2021"}, reason="sửa")
    assert [p.code for p in error.value.problems] == ["death_before_birth"]


def test_the_commune_of_temporary_residence_ends_it_through_the_api(client, officers, world):
    CitizenFactory(id_number="001090000555", permanent_unit=world.ba_dinh, temporary_unit=world.thai_thuy,
                   temporary_address="Thôn 3")  # fmt: skip
    client.force_login(officers["thai_thuy"])
    response = client.patch("/api/v1/citizens/001090000555",
                            {"reason": "hết hạn tạm trú", "temporary_unit_code": None, "temporary_address": ""},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    citizen = Citizen.objects.get(id_number="001090000555")
    assert (citizen.temporary_unit, citizen.temporary_address, citizen.version) == (None, "", 2)
    # the record has left the commune's area, as the person did
    assert client.get("/api/v1/citizens/001090000555").status_code == 404


def test_a_required_field_cannot_be_emptied(officers, world):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    with pytest.raises(RegistryError) as error:
        actions.update_citizen(officers["thai_thuy"], citizen, {"given_name": ""}, reason="sửa")
    assert [p.code for p in error.value.problems] == ["required"]


def test_ethnicity_and_religion_come_from_the_official_lists():
    cleaned = clean_citizen({"ethnicity": "tay", "religion": "tin lanh"}, today=date(2026, 12, 1), partial=True)
    assert cleaned.ok and cleaned.values == {"ethnicity": "Tày", "religion": "Tin lành"}
    refused = clean_citizen({"ethnicity": "😀😀", "religion": "Đạo Ông Trần"}, today=date(2026, 12, 1), partial=True)
    assert [(p.field, p.code) for p in refused.problems] == [("ethnicity", "not_listed"), ("religion", "not_listed")]
    assert "Khác: <tên>" in refused.problems[0].message_vi and "Khác: <name>" in refused.problems[0].message_en
    assert refused.values == {}


def test_the_api_refuses_an_unlisted_ethnicity_and_writes_nothing(client, officers, world):
    CitizenFactory(id_number="034090000124", permanent_unit=world.thai_thuy, ethnicity="Kinh")
    client.force_login(officers["thai_thuy"])
    response = client.patch("/api/v1/citizens/034090000124", {"reason": "sửa", "ethnicity": "😀😀"},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["not_listed"]
    citizen = Citizen.objects.get(id_number="034090000124")
    assert (citizen.ethnicity, citizen.version) == ("Kinh", 1)


def test_a_value_outside_the_lists_is_kept_as_typed_and_flagged_for_review(officers, world):
    citizen = CitizenFactory(id_number="034090000125", permanent_unit=world.thai_thuy)
    actions.update_citizen(officers["thai_thuy"], citizen, {"ethnicity": "khác: Pa Cô"}, reason="theo tờ khai")
    citizen.refresh_from_db()
    assert citizen.ethnicity == "Khác: Pa Cô"
    assert citizen.quality_flags.filter(code="outside_list", detail="Khác: Pa Cô").exists()


def test_an_overlong_outside_value_is_refused_not_cut(officers, world):
    citizen = CitizenFactory(id_number="034090000126", permanent_unit=world.thai_thuy, ethnicity="Kinh")
    with pytest.raises(RegistryError) as error:
        actions.update_citizen(officers["thai_thuy"], citizen, {"ethnicity": "Khác: " + "Pa Cô " * 10}, reason="a")
    assert [p.code for p in error.value.problems] == ["too_long"]
    citizen.refresh_from_db()
    assert (citizen.ethnicity, citizen.version) == ("Kinh", 1)


def test_values_stored_before_the_lists_are_normalised_through_the_actions(officers, world):
    from django.core.management import call_command

    from cancuoc.audit.models import AuditEntry

    old = CitizenFactory(id_number="034090000127", permanent_unit=world.thai_thuy, ethnicity="Ê-đê",
                         religion="Tin Lành")  # fmt: skip
    other = CitizenFactory(id_number="034090000128", permanent_unit=world.thai_thuy, ethnicity="Pa Cô")
    listed = CitizenFactory(id_number="034090000129", permanent_unit=world.thai_thuy, ethnicity="Kinh")
    call_command("normalise_lists", "--user", officers["thai_thuy"].username)
    old.refresh_from_db()
    assert old.ethnicity == "Ê-đê"  # counting only, without --apply
    call_command("normalise_lists", "--user", officers["thai_thuy"].username, "--apply")
    for citizen in (old, other, listed):
        citizen.refresh_from_db()
    assert (old.ethnicity, old.religion, other.ethnicity) == ("Ê Đê", "Tin lành", "Khác: Pa Cô")
    assert listed.version == 1 and other.quality_flags.filter(code="outside_list").exists()
    assert AuditEntry.objects.filter(object_id__in=["034090000127", "034090000128"], event="citizen_changed").count() == 2


def test_the_form_and_the_api_read_an_old_unit_code_as_our_export_writes_it(officers, world):
    citizen = actions.create_citizen(officers["thai_thuy"], {
        "id_number": "034090000999", "given_name": "An", "family_name": "Lê", "birth_date": "15/03/1990",
        "sex": "Nam", "permanent_unit_code": "12730", "birth_registration_unit_code": "cũ:34",
        "origin_unit_code": "34"}, reason="đăng ký")  # fmt: skip
    assert citizen.birth_registration_unit == world.old_thai_binh  # exactly the pre-2025 province
    assert citizen.origin_unit == world.old_thai_binh  # a plain code from outside: the unit with that code


def test_a_refused_correction_keeps_what_the_officer_typed(client, officers, world):
    citizen = CitizenFactory(id_number="034090000124", permanent_unit=world.thai_thuy, permanent_address="Thôn 1")
    client.force_login(officers["thai_thuy"])
    response = client.post("/citizens/034090000124/change/", {
        "birth_date": "31/02/1986", "permanent_address": "Thôn 9, xóm Đình", "reason": "theo giấy khai sinh",
        "version": citizen.version})  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="31/02/1986"' in page and 'value="Thôn 9, xóm Đình"' in page
    assert 'value="theo giấy khai sinh"' in page and 'aria-invalid="true"' in page
    assert "Ngày sinh không hợp lệ" in page and "Invalid date of birth" not in page  # the page's language only
    citizen.refresh_from_db()
    assert (citizen.permanent_address, citizen.version) == ("Thôn 1", 1)
    # without a reason, the typed values stay too, and the reason's problem is shown above the fields
    response = client.post("/citizens/034090000124/change/", {"permanent_address": "Thôn 9", "reason": "",
                                                              "version": citizen.version})  # fmt: skip
    assert response.status_code == 422 and 'value="Thôn 9"' in response.content.decode()
    assert "Phải ghi lý do thay đổi" in response.content.decode()


def test_a_reader_who_chose_english_reads_the_refusal_in_english(client, officers, world):
    citizen = CitizenFactory(id_number="034090000125", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.post(f"/citizens/{citizen.id_number}/change/", {
        "birth_date": "31/02/1986", "reason": "x", "version": citizen.version}).content.decode()  # fmt: skip
    assert "Invalid date of birth" in page and "Ngày sinh không hợp lệ" not in page
