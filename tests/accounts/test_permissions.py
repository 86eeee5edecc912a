"""The permission table and what it exposes: allocation, cancellation, identity fields, the existence oracle."""

import pytest

from cancuoc.accounts.models import Role
from cancuoc.accounts.permissions import (
    PERMISSIONS,
    PermissionDenied,
    Scope,
    Verb,
    has_permission,
    in_area,
    require_permission,
)
from cancuoc.audit.models import AuditEntry
from cancuoc.imports import services as imports
from cancuoc.registry import actions
from cancuoc.registry.models import AllocatedIdNumber, Citizen
from tests.factories import CitizenFactory, UserFactory

# (verb, roles that hold it): the table as a reviewer reads it
EXPECTED_GRANTS = {
    Verb.CITIZEN_READ: {"commune_officer", "supervisor", "national_admin"},
    Verb.CITIZEN_CHANGE_IDENTITY: {"commune_officer", "supervisor", "national_admin"},
    Verb.ID_NUMBER_ALLOCATE: {"commune_officer", "supervisor", "national_admin"},
    Verb.ID_NUMBER_CANCEL: {"supervisor", "national_admin"},
    Verb.CARD_PERSONALISE: {"production_operator", "national_admin"},
    Verb.PKI_MANAGE: {"national_admin"},
    Verb.PKI_PUBLISH: {"production_operator", "national_admin"},
    Verb.AUDIT_READ: {"auditor", "national_admin"},
    Verb.USER_MANAGE: {"supervisor", "national_admin"},
}


@pytest.mark.parametrize("verb", list(EXPECTED_GRANTS))
def test_the_table_grants_each_verb_to_exactly_these_roles(verb):
    assert {role.value for role, verbs in PERMISSIONS.items() if verb in verbs} == EXPECTED_GRANTS[verb]


def test_national_grants_only_go_to_roles_without_an_area():
    for role, verbs in PERMISSIONS.items():
        scopes = set(verbs.values())
        if role in (Role.COMMUNE_OFFICER, Role.SUPERVISOR):
            assert scopes == {Scope.AREA}, role
        else:
            assert scopes == {Scope.NATIONAL}, role


def test_the_production_centre_role_grants_card_work():
    assert PERMISSIONS[Role.PRODUCTION_OPERATOR], "the production-centre role must grant something"


def test_an_inactive_or_anonymous_user_holds_nothing(officers):
    admin = officers["admin"]
    admin.is_active = False
    assert not has_permission(admin, Verb.CITIZEN_READ)
    with pytest.raises(PermissionDenied):
        require_permission(None, Verb.CITIZEN_READ)


def test_area_scope_is_the_unit_subtree(officers, world):
    officer = officers["thai_thuy"]
    assert in_area(officer, Verb.CITIZEN_READ, world.thai_thuy.path)
    assert not in_area(officer, Verb.CITIZEN_READ, world.ba_dinh.path)
    assert not in_area(officer, Verb.CITIZEN_READ, world.hung_yen.path)  # the province is above the commune
    assert not in_area(officer, Verb.CITIZEN_READ, None)
    assert in_area(officers["hung_yen"], Verb.CITIZEN_READ, world.thai_thuy.path)
    assert in_area(officers["admin"], Verb.CITIZEN_READ, world.ba_dinh.path)


# --- allocation and cancellation ------------------------------------------------------------------


@pytest.mark.parametrize("user", ["auditor", "production"])
def test_roles_without_the_verb_cannot_allocate(officers, user):
    with pytest.raises(PermissionDenied):
        actions.allocate_id_number(officers[user], place_code="034", birth_year=2026, sex="M", reason="x")
    assert not AllocatedIdNumber.objects.exists()
    assert not AuditEntry.objects.filter(event="id_number_allocated").exists()


def test_a_commune_officer_cannot_cancel_a_number_a_supervisor_can(officers):
    number = actions.allocate_id_number(officers["thai_thuy"], place_code="034", birth_year=2026, sex="M",
                                        reason="khai sinh").number  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.cancel_id_number(officers["thai_thuy"], number, reason="nhầm")
    assert AllocatedIdNumber.objects.get(number=number).status == "active"
    actions.cancel_id_number(officers["hung_yen"], number, reason="nhầm")
    assert AllocatedIdNumber.objects.get(number=number).status == "cancelled"
    entry = AuditEntry.objects.get(event="id_number_cancelled")
    assert (entry.actor_username, entry.object_id) == ("supervisor_hung_yen", number)


# --- identity fields belong to the commune of permanent residence ---------------------------------


@pytest.fixture
def lodger(world):
    """Permanent residence in Ba Đình (Hà Nội), temporary residence in Thái Thụy."""
    return CitizenFactory(id_number="001090000555", family_name="Phạm", permanent_unit=world.ba_dinh,
                          temporary_unit=world.thai_thuy, temporary_address="Thôn 3")  # fmt: skip


def test_the_commune_of_temporary_residence_cannot_change_the_family_name(client, officers, lodger):
    client.force_login(officers["thai_thuy"])
    response = client.patch("/api/v1/citizens/001090000555", {"reason": "sửa họ", "family_name": "Trần"},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["field_not_yours"]
    lodger.refresh_from_db()
    assert lodger.family_name == "Phạm" and lodger.version == 1
    assert not AuditEntry.objects.filter(event="citizen_changed").exists()


def test_the_commune_of_temporary_residence_may_change_temporary_residence_data(client, officers, lodger):
    client.force_login(officers["thai_thuy"])
    response = client.patch("/api/v1/citizens/001090000555", {"reason": "đổi chỗ trọ", "temporary_address": "Thôn 4"},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    lodger.refresh_from_db()
    assert lodger.temporary_address == "Thôn 4"


def test_the_permanent_commune_and_its_supervisors_may_change_identity_fields(officers, lodger):
    actions.update_citizen(officers["ba_dinh"], lodger, {"family_name": "Trần"}, reason="quyết định cải chính")
    lodger.refresh_from_db()
    assert lodger.family_name == "Trần"
    hanoi = UserFactory(username="supervisor_ha_noi", role=Role.SUPERVISOR, unit=lodger.permanent_unit.parent)
    actions.update_citizen(hanoi, lodger, {"given_name": "Bình"}, reason="quyết định cải chính")
    lodger.refresh_from_db()
    assert lodger.given_name == "Bình"


def test_the_citizen_page_offers_a_temporary_commune_only_its_fields(client, officers, lodger):
    client.force_login(officers["thai_thuy"])
    page = client.get("/citizens/001090000555/").content.decode()
    assert 'name="temporary_address"' in page
    assert 'name="family_name"' not in page


# --- no existence oracle --------------------------------------------------------------------------

PAYLOAD = {"reason": "đăng ký", "given_name": "An", "family_name": "Lê", "birth_date": "15/03/1990", "sex": "Nam",
           "permanent_unit_code": "12730"}  # fmt: skip


def _create(client, number):
    return client.post("/api/v1/citizens", {**PAYLOAD, "id_number": number}, content_type="application/json")


def test_a_number_elsewhere_a_cancelled_one_and_a_missing_one_answer_alike(client, officers, world):
    CitizenFactory(id_number="001090000777", permanent_unit=world.ba_dinh)
    AllocatedIdNumber.objects.create(number="034090000888", status="cancelled", reason="hủy")
    client.force_login(officers["thai_thuy"])
    elsewhere, cancelled = _create(client, "001090000777"), _create(client, "034090000888")
    assert elsewhere.status_code == cancelled.status_code == 422
    assert elsewhere.json() == cancelled.json()
    assert [p["code"] for p in elsewhere.json()["problems"]] == ["id_unavailable"]
    assert "001090000777" not in elsewhere.content.decode()
    # GET answers the same 404 for the number elsewhere and for one that does not exist
    assert client.get("/api/v1/citizens/001090000777").json() == client.get("/api/v1/citizens/001090000999").json()
    refusals = AuditEntry.objects.filter(event="citizen_creation_refused").order_by("sequence")
    assert [(e.object_id, e.changes["cause"]) for e in refusals] == [
        ("001090000777", "exists_outside_area"), ("034090000888", "cancelled"),
    ]  # fmt: skip
    assert Citizen.objects.count() == 1


def test_a_number_in_the_officers_own_area_is_named_as_existing(client, officers, world):
    CitizenFactory(id_number="034090000666", permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    response = _create(client, "034090000666")
    assert [p["code"] for p in response.json()["problems"]] == ["id_exists"]


def test_an_import_row_gets_the_same_single_answer(tmp_path, officers, world):
    CitizenFactory(id_number="001090000777", permanent_unit=world.ba_dinh)
    AllocatedIdNumber.objects.create(number="034090000888", status="cancelled", reason="hủy")
    header = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"
    rows = "001090000777,Lê Văn An,15/03/1990,Nam,12730\n034090000888,Lê Văn Ba,15/03/1990,Nam,12730\n"
    path = tmp_path / "a.csv"
    path.write_text(header + rows, encoding="utf-8")
    job = imports.validate_job(imports.create_job(officers["thai_thuy"], path, "a.csv"))
    found = [(e.line, e.code, e.message_en) for e in job.row_errors.order_by("line")]
    assert [(line, code) for line, code, _ in found] == [(2, "id_unavailable"), (3, "id_unavailable")]
    assert found[0][2] == found[1][2]
    assert AuditEntry.objects.filter(event="citizen_creation_refused").count() == 2


def test_an_import_cannot_change_identity_fields_from_a_temporary_commune(tmp_path, officers, lodger):
    header = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú,Mã xã tạm trú,Địa chỉ tạm trú\n"
    path = tmp_path / "b.csv"
    path.write_text(header + "001090000555,Trần Văn An,15/03/1990,Nam,00004,12730,Thôn 3\n", encoding="utf-8")
    job = imports.validate_job(imports.create_job(officers["thai_thuy"], path, "b.csv"))
    assert "field_not_yours" in {e.code for e in job.row_errors.all()}
    assert job.valid_rows == 0


def test_a_request_that_could_not_succeed_learns_nothing_about_the_number(client, officers, world):
    # outside the officer's area, an existing and a new number get the same refusal: the area's
    CitizenFactory(id_number="001090000777", permanent_unit=world.ba_dinh)
    client.force_login(officers["thai_thuy"])
    answers = [client.post("/api/v1/citizens", {**PAYLOAD, "permanent_unit_code": "00004", "id_number": number},
                           content_type="application/json").json() for number in ("001090000777", "001090000778")]  # fmt: skip
    assert answers[0] == answers[1]
    assert [p["code"] for p in answers[0]["problems"]] == ["outside_area"]


def test_refused_lookups_are_audited_like_reads(client, officers, world):
    CitizenFactory(id_number="001090000777", permanent_unit=world.ba_dinh)
    client.force_login(officers["thai_thuy"])
    for path in ("/api/v1/citizens/001090000777", "/api/v1/citizens/001090000999", "/citizens/001090000777/",
                 "/api/v1/citizens/001090000777/history"):  # fmt: skip
        assert client.get(path).status_code == 404
    refused = AuditEntry.objects.filter(event="citizen_lookup_refused").order_by("sequence")
    assert [(e.object_id, e.reason) for e in refused] == [
        ("001090000777", "api"), ("001090000999", "api"), ("001090000777", "citizen page"),
        ("001090000777", "api history"),
    ]  # fmt: skip
    assert {e.actor_username for e in refused} == {"officer_thai_thuy"}


def test_an_import_naming_many_unusable_numbers_is_refused_whole(tmp_path, officers, world, settings):
    settings.CANCUOC_IMPORT_MAX_UNAVAILABLE = 3
    for n in range(5):
        CitizenFactory(id_number=f"00109000070{n}", permanent_unit=world.ba_dinh)
    header = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"
    rows = "".join(f"00109000070{n},Lê Văn An,15/03/1990,Nam,12730\n" for n in range(5))
    path = tmp_path / "sweep.csv"
    path.write_text(header + rows, encoding="utf-8")
    job = imports.validate_job(imports.create_job(officers["thai_thuy"], path, "sweep.csv"))
    assert job.status == "failed" and job.error_code == "file_too_many_unavailable"
    assert not job.row_errors.exists()
    assert AuditEntry.objects.filter(event="citizen_creation_refused").count() == 5  # each attempt stays in the log


def test_a_sweep_split_into_small_files_meets_the_daily_limit(tmp_path, officers, world, settings):
    settings.CANCUOC_IMPORT_MAX_UNAVAILABLE = 3
    settings.CANCUOC_MAX_UNAVAILABLE_PER_DAY = 4
    for n in range(6):
        CitizenFactory(id_number=f"00109000070{n}", permanent_unit=world.ba_dinh)
    header = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"

    def check(numbers, name):
        path = tmp_path / name
        path.write_text(header + "".join(f"{n},Lê Văn An,15/03/1990,Nam,12730\n" for n in numbers), encoding="utf-8")
        return imports.validate_job(imports.create_job(officers["thai_thuy"], path, name))

    assert check(["001090000700", "001090000701", "001090000702"], "a.csv").status == "validated"  # 3: allowed
    second = check(["001090000703", "001090000704"], "b.csv")  # 3 + 2 > 4 today
    assert second.status == "failed" and second.error_code == "file_too_many_unavailable"
    assert "1" in second.error_en  # what was left of today's allowance
