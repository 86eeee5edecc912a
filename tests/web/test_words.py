"""Codes never reach a person (issue 8 §3): flags, history field names, unit ids, enumerations and
counts are shown as words and formatted numbers."""

import re
from datetime import date

from django.utils import translation

from cancuoc.registry import actions, quality
from cancuoc.registry.models import QualityFlag
from cancuoc.web.templatetags.cancuoc_words import count
from tests.factories import CitizenFactory, HouseholdFactory


def seen(page: str) -> str:
    """What a person reads: the text between tags and the tooltips."""
    return re.sub(r"<[^>]*>", " ", page) + " ".join(re.findall(r'title="([^"]*)"', page))


FLAG_CODES = ["missing_fields", "id_contradicts", "duplicate", "dead_present", "legacy_birth_date", "outside_list"]


def test_counts_use_the_readers_thousands_separator():
    with translation.override("vi"):
        assert (count(20000), count(1234567), count(999)) == ("20.000", "1.234.567", "999")
    with translation.override("en"):
        assert count(20000) == "20,000"


def test_the_dashboard_shows_flags_as_words_and_counts_with_separators(client, officers, world, monkeypatch):
    quality.refresh_flags([CitizenFactory(id_number="034090000013", permanent_unit=world.thai_thuy, family_name="")])
    counts = quality.flag_counts
    monkeypatch.setattr(quality, "flag_counts", lambda citizens: {**counts(citizens), "duplicate": 20000})
    client.force_login(officers["hung_yen"])
    page = seen(client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode())
    assert not [code for code in FLAG_CODES if code in page]
    assert "Thiếu trường bắt buộc" in page and "20.000" in page


def test_the_citizen_page_shows_labels_unit_names_and_words_in_its_history(client, officers, world):
    citizen = CitizenFactory(id_number="034090000014", permanent_unit=world.thai_thuy, family_name="")
    quality.refresh_flags([citizen])
    actions.update_citizen(officers["thai_thuy"], citizen,
                           {"permanent_address": "Thôn Đông", "birth_registration_unit_code": "12730"},
                           reason="theo giấy khai sinh")  # fmt: skip
    client.force_login(officers["thai_thuy"])
    page = client.get("/citizens/034090000014/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    for code in ["permanent_address", "birth_registration_unit_id", "missing_fields", "family_name", "VNM"]:
        assert code not in seen(page)
    assert "Việt Nam" in seen(page) and "Thiếu: họ" in seen(page)
    history = page[page.index('class="history"'):]
    assert f"<ins>{world.thai_thuy.name}</ins>" in history and "Địa chỉ thường trú" in history


def test_the_edit_form_offers_the_official_lists(client, officers, world):
    CitizenFactory(id_number="034090000015", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    page = client.get("/citizens/034090000015/").content.decode()
    assert 'list="list-ethnicity"' in page and '<option value="Ê Đê">' in page
    assert '<option value="Phật giáo Hòa Hảo">' in page and "<script" not in page.split("<datalist")[1]


def test_household_members_are_listed_head_first(client, officers, world):
    home = HouseholdFactory(unit=world.thai_thuy)
    CitizenFactory(id_number="034090000016", given_name="Con", permanent_unit=world.thai_thuy, household=home,
                   relation_to_head="child", birth_date=date(2010, 1, 1))  # fmt: skip
    CitizenFactory(id_number="034090000017", given_name="Chủ", permanent_unit=world.thai_thuy, household=home,
                   relation_to_head="head", birth_date=date(1980, 1, 1))  # fmt: skip
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/citizens/households/{home.pk}/").content.decode()
    table = page[page.index("<tbody>"):]
    assert table.index("034090000017") < table.index("034090000016")


def test_every_flag_code_has_a_label():
    assert all(QualityFlag.Code(code).label != code for code in FLAG_CODES)


def test_history_values_are_shown_as_words_numbers_and_dates(world):
    from types import SimpleNamespace

    from cancuoc.web.templatetags.cancuoc_words import readable_changes

    home = HouseholdFactory(unit=world.thai_thuy, number="HK-77")
    entry = SimpleNamespace(changes={"fields": {
        "household_id": [None, home.pk], "sex": ["M", "F"], "birth_date": ["1990-03-15", "1991-04-16"],
        "permanent_unit_id": [world.thai_thuy.pk, None], "relation_to_head": ["", "child"],
    }})  # fmt: skip
    with translation.override("vi"):
        [(_, rows)] = readable_changes([entry])
    assert rows == [("hộ gia đình", "", "HK-77"), ("giới tính", "Nam", "Nữ"), ("ngày sinh", "15/03/1990", "16/04/1991"),
                    ("nơi thường trú", world.thai_thuy.name, ""), ("quan hệ với chủ hộ", "", "Con")]  # fmt: skip


def test_the_audit_page_names_kinds_of_record_in_words(client, officers):
    from cancuoc.audit.events import login_failed
    from cancuoc.registry import events

    events.id_number_cancelled(officers["admin"], "034090000001", reason="cấp trùng")
    login_failed(username="someone")
    client.force_login(officers["auditor"])
    page = client.get("/audit/").content.decode()
    assert "định danh 034090000001" in page
    assert ">id_number " not in page and ">citizen " not in page
