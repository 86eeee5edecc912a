"""Hostile text in citizen fields and filters: refused with a reason, never cut, never a server error."""

import pytest

from cancuoc.registry.models import Citizen
from tests.factories import CitizenFactory


@pytest.fixture
def logged_in(client, officers, world):
    CitizenFactory(id_number="034090000123", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    return client


@pytest.mark.parametrize("value", ["a\x00b", "Thôn\x1b[31m 1", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused(logged_in, value):
    response = logged_in.patch("/api/v1/citizens/034090000123", {"reason": "sửa", "permanent_address": value},
                               content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["control_characters"]
    assert Citizen.objects.get(id_number="034090000123").version == 1


@pytest.mark.parametrize(("field", "length"), [("religion", 81), ("ethnicity", 5000), ("permanent_address", 10_000),
                                               ("other_names", 141), ("temporary_address", 201)])  # fmt: skip
def test_too_long_text_is_refused_not_cut(logged_in, field, length):
    response = logged_in.patch("/api/v1/citizens/034090000123", {"reason": "sửa", field: "a" * length},
                               content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert (problem["field"], problem["code"]) == (field, "too_long")
    assert str(length) in problem["message_en"]
    assert Citizen.objects.get(id_number="034090000123").version == 1


@pytest.mark.parametrize("year", ["-1", "10000", "99999"])
def test_a_birth_year_out_of_range_is_named_on_the_search_page(logged_in, year):
    response = logged_in.get("/citizens/", {"q": "nguyen", "birth_year": year})
    assert response.status_code == 200
    assert "1850" in response.content.decode() and response.context["result"] is None


def test_an_impossible_date_in_the_audit_filter_is_an_error_not_an_unfiltered_log(client, officers):
    client.force_login(officers["auditor"])
    for since in ("31/02/2000", "abc", "01/01/0001"):
        response = client.get("/audit/", {"since": since})
        assert response.status_code == 422
        assert response.context["page"] is None and since in response.content.decode()
    assert client.get("/api/v1/audit/entries", {"since": "0001-01-01"}).status_code == 422
    assert client.get("/audit/", {"since": "01/01/2026"}).status_code == 200


def test_the_audit_api_names_what_happened(client, officers):
    client.force_login(officers["auditor"])
    client.get("/api/v1/audit/entries")
    entries = client.get("/api/v1/audit/entries").json()
    assert entries[0]["event"] == "audit_log_read"


@pytest.mark.parametrize("path", ["/citizens/%00/", "/citizens/0340900000%0001/", "/citizens/%E2%80%AE12/",
                                  "/api/v1/citizens/%00"])
def test_a_number_with_nul_or_garbage_is_not_found_and_logged_not_a_server_error(client, officers, path):
    from cancuoc.audit.models import AuditEntry

    client.force_login(officers["thai_thuy"])
    assert client.get(path).status_code == 404
    assert AuditEntry.objects.filter(event="citizen_lookup_refused").exists()


def test_a_reason_with_a_nul_byte_is_stored_readably_in_the_log(client, officers, world):
    from cancuoc.audit.models import AuditEntry
    from tests.factories import CitizenFactory

    citizen = CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    answer = client.post(f"/citizens/{citizen.id_number}/change/",
                         {"version": citizen.version, "permanent_address": "Thôn 7", "reason": "sửa\x00lỗi"})  # fmt: skip
    assert answer.status_code in (302, 422)
    if answer.status_code == 302:
        assert AuditEntry.objects.get(event="citizen_changed").reason == "sửa\ufffdlỗi"
