"""Every role against every area, through the pages and the API: outside the area is "not found"."""

import json

import pytest

from cancuoc.audit.models import AuditEntry
from tests.factories import CitizenFactory, HouseholdFactory

IN_THAI_THUY = "034090000001"
IN_BA_DINH = "001090000002"


@pytest.fixture
def residents(world):
    home = HouseholdFactory(unit=world.thai_thuy)
    a = CitizenFactory(
        id_number=IN_THAI_THUY, permanent_unit=world.thai_thuy, household=home, relation_to_head="head"
    )
    b = CitizenFactory(id_number=IN_BA_DINH, given_name="Bình", permanent_unit=world.ba_dinh)
    return {"thai_thuy": a, "ba_dinh": b, "household": home}


# (user, sees the Thái Thụy citizen, sees the Ba Đình citizen)
EXPECTED = [
    ("thai_thuy", True, False),
    ("ba_dinh", False, True),
    ("hung_yen", True, False),
    ("admin", True, True),
    ("auditor", False, False),
    ("production", False, False),
]


@pytest.mark.parametrize(("user", "sees_thai_thuy", "sees_ba_dinh"), EXPECTED)
def test_citizen_page_and_api_follow_the_area(
    client, officers, residents, user, sees_thai_thuy, sees_ba_dinh
):
    client.force_login(officers[user])
    for number, visible in ((IN_THAI_THUY, sees_thai_thuy), (IN_BA_DINH, sees_ba_dinh)):
        page = client.get(f"/citizens/{number}/")
        api = client.get(f"/api/v1/citizens/{number}")
        assert page.status_code == (200 if visible else 404), (user, number)
        assert api.status_code == (200 if visible else 404), (user, number)
        if not visible:
            assert number not in page.content.decode() and number not in api.content.decode()
            assert api.json()["code"] == "not_found"
        else:
            assert api.json()["id_number"] == number
    # A number that does not exist at all looks exactly the same as one outside the area.
    assert client.get("/api/v1/citizens/099090000000").json() == {
        "code": "not_found", "message_vi": "Không tìm thấy", "message_en": "Not found",
    }  # fmt: skip


@pytest.mark.parametrize(("user", "sees_thai_thuy", "sees_ba_dinh"), EXPECTED)
def test_search_returns_only_the_area(client, officers, residents, user, sees_thai_thuy, sees_ba_dinh):
    client.force_login(officers[user])
    response = client.get("/api/v1/citizens", {"q": "nguyen"})
    if user in ("auditor", "production"):
        assert response.json()["results"] == []
    found = {r["id_number"] for r in response.json()["results"]}
    assert (IN_THAI_THUY in found) == sees_thai_thuy
    assert (IN_BA_DINH in found) == sees_ba_dinh


@pytest.mark.parametrize(
    ("user", "visible"), [("thai_thuy", True), ("hung_yen", True), ("ba_dinh", False), ("auditor", False)]
)
def test_household_page_follows_the_area(client, officers, residents, user, visible):
    client.force_login(officers[user])
    household = residents["household"]
    assert client.get(f"/citizens/households/{household.pk}/").status_code == (200 if visible else 404)
    assert client.get(f"/api/v1/households/{household.pk}").status_code == (200 if visible else 404)


@pytest.mark.parametrize(
    ("user", "allowed"), [("thai_thuy", True), ("ba_dinh", False), ("auditor", False), ("admin", True)]
)
def test_changes_follow_the_area_and_role(client, officers, residents, user, allowed):
    client.force_login(officers[user])
    response = client.patch(
        f"/api/v1/citizens/{IN_THAI_THUY}", json.dumps({"reason": "sửa", "ethnicity": "Tày"}),
        content_type="application/json",
    )  # fmt: skip
    residents["thai_thuy"].refresh_from_db()
    assert (residents["thai_thuy"].ethnicity == "Tày") == allowed
    assert response.status_code in ((200,) if allowed else (403, 404))


def test_audit_log_is_for_auditors_and_admins_only(client, officers, residents):
    for user, status in (("thai_thuy", 403), ("hung_yen", 403), ("auditor", 200), ("admin", 200)):
        client.force_login(officers[user])
        assert client.get("/audit/").status_code == status, user
        assert client.get("/api/v1/audit/entries").status_code == status, user


def test_every_read_is_audited_with_who_and_where_from(client, officers, residents):
    client.force_login(officers["thai_thuy"])
    client.get(f"/citizens/{IN_THAI_THUY}/", REMOTE_ADDR="10.1.2.3")
    client.get(f"/api/v1/citizens/{IN_THAI_THUY}", REMOTE_ADDR="10.1.2.4")
    reads = AuditEntry.objects.filter(action="read", object_id=IN_THAI_THUY).order_by("sequence")
    assert [(r.actor_username, r.remote_addr) for r in reads] == [
        ("officer_thai_thuy", "10.1.2.3"), ("officer_thai_thuy", "10.1.2.4"),
    ]  # fmt: skip
    client.get(f"/citizens/{IN_BA_DINH}/")  # outside: not found, and no read of it is recorded
    assert not AuditEntry.objects.filter(action="read", object_id=IN_BA_DINH).exists()


def test_anonymous_users_are_sent_to_login(client, residents):
    assert client.get(f"/citizens/{IN_THAI_THUY}/").status_code == 302
    assert client.get(f"/api/v1/citizens/{IN_THAI_THUY}").status_code == 401
