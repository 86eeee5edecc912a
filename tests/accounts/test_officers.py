"""Officer management in the site, Django's admin, and the audit of every change of a user."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cancuoc.accounts import actions
from cancuoc.accounts.errors import AccountError
from cancuoc.accounts.models import Role
from cancuoc.accounts.permissions import NotFound
from cancuoc.audit.models import AuditEntry
from tests.factories import UserFactory

User = get_user_model()


def log_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password}).status_code == 302


def events(user):
    return list(AuditEntry.objects.filter(object_type="user", object_id=str(user.pk)).order_by("sequence")
                .values_list("event", "actor_username"))  # fmt: skip


def test_a_supervisor_creates_a_commune_officer_in_their_area(client, officers, world):
    client.force_login(officers["hung_yen"])
    response = client.post("/officers/new/", {"username": "cb_thai_thuy_2", "full_name": "Trần Văn Bình",
                                              "role": "commune_officer", "unit": "12730", "reason": "tuyển mới"})  # fmt: skip
    assert response.status_code == 200
    created = User.objects.get(username="cb_thai_thuy_2")
    assert (created.role, created.unit, created.must_change_password) == ("commune_officer", world.thai_thuy, True)
    assert (created.last_name, created.first_name) == ("Trần Văn", "Bình")
    assert created.get_full_name() == "Trần Văn Bình"
    shown = response.context["password"]
    assert created.check_password(shown) and shown not in str(AuditEntry.objects.values_list("changes"))
    assert events(created) == [("user_created", "supervisor_hung_yen")]
    entry = AuditEntry.objects.get(event="user_created", object_id=str(created.pk))
    assert entry.reason == "tuyển mới" and entry.changes["after"]["role"] == "commune_officer"


@pytest.mark.parametrize(
    ("role", "unit", "code"),
    [
        ("commune_officer", "00004", "unit_outside_area"),  # Ba Đình is in Hà Nội, not Hưng Yên
        ("national_admin", "", "role_not_assignable"),
        ("auditor", "", "role_not_assignable"),
        ("commune_officer", "", "unit_required"),
        ("commune_officer", "99999", "unit_unknown"),
        ("commune_officer", "33", "unit_not_a_commune"),  # a commune officer over the whole province
    ],
)
def test_a_supervisor_cannot_place_an_officer_outside_their_reach(client, officers, role, unit, code):
    client.force_login(officers["hung_yen"])
    response = client.post("/officers/new/", {"username": "x_new", "role": role, "unit": unit, "reason": "thử"})
    assert response.status_code == 422
    assert response.context["error"].code == code
    assert response.context["values"]["username"] == "x_new"  # what was typed is kept
    assert not User.objects.filter(username="x_new").exists()
    assert not AuditEntry.objects.filter(event="user_created", actor_username="supervisor_hung_yen").exists()


def test_commune_officers_auditors_and_production_have_no_officer_pages(client, officers):
    for name in ("thai_thuy", "auditor", "production"):
        client.force_login(officers[name])
        assert client.get("/officers/").status_code == 404
        assert client.post("/officers/new/", {"username": "y", "role": "commune_officer", "unit": "12730",
                                              "reason": "r"}).status_code == 404  # fmt: skip
    assert not User.objects.filter(username="y").exists()


def test_an_officer_outside_the_area_looks_missing(client, officers):
    client.force_login(officers["hung_yen"])
    assert client.get(f"/officers/{officers['ba_dinh'].pk}/").status_code == 404
    assert client.get(f"/officers/{officers['admin'].pk}/").status_code == 404
    assert client.get("/officers/999999/").status_code == 404
    listed = {o.username for o in client.get("/officers/").context["officers"]}
    assert listed == {"officer_thai_thuy"}


def test_deactivate_and_change_area_are_audited_and_take_effect(client, officers, world):
    officer = officers["thai_thuy"]
    client.force_login(officers["hung_yen"])
    response = client.post(f"/officers/{officer.pk}/", {"role": "commune_officer", "unit": "12731",
                                                        "reason": "điều động"})  # fmt: skip
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.unit, officer.is_active) == (world.dong_thuy_anh, False)
    entry = AuditEntry.objects.get(event="user_changed", object_id=str(officer.pk))
    assert entry.actor_username == "supervisor_hung_yen" and entry.reason == "điều động"
    assert entry.changes["fields"] == {"unit_id": [world.thai_thuy.pk, world.dong_thuy_anh.pk],
                                       "is_active": [True, False]}  # fmt: skip
    client.logout()
    assert not log_in(client, "officer_thai_thuy", "correct-horse-battery")


def test_reset_password_forces_a_change_at_the_next_log_in(client, officers):
    officer = officers["thai_thuy"]
    client.force_login(officers["admin"])
    response = client.post(f"/officers/{officer.pk}/reset-password/", {"reason": "quên mật khẩu"})
    password = response.context["password"]
    assert events(officer)[-2:] == [("user_changed", "admin"), ("user_password_set", "admin")]
    client.logout()
    assert log_in(client, "officer_thai_thuy", password)
    assert client.get("/citizens/").url == "/password/"
    api = client.get("/api/v1/citizens?q=an")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    weak = client.post("/password/", {"old_password": password, "new_password": "123", "new_password2": "123"})
    assert weak.status_code == 422
    same = client.post("/password/", {"old_password": password, "new_password": password, "new_password2": password})
    assert same.status_code == 422 and "khác mật khẩu hiện tại" in same.context["error"]
    done = client.post("/password/", {"old_password": password, "new_password": "Một mật khẩu mới 2026",
                                      "new_password2": "Một mật khẩu mới 2026"})  # fmt: skip
    assert done.status_code == 302
    officer.refresh_from_db()
    assert not officer.must_change_password and officer.check_password("Một mật khẩu mới 2026")
    assert client.get("/citizens/").status_code == 200  # the session survived the change
    assert events(officer)[-1] == ("user_password_set", "officer_thai_thuy")


def test_a_manager_cannot_manage_themselves(officers):
    with pytest.raises(NotFound):
        actions.reset_password(officers["hung_yen"], officers["hung_yen"], reason="x")


def test_a_reason_is_required(officers, world):
    with pytest.raises(AccountError) as error:
        actions.change_officer(officers["admin"], officers["thai_thuy"], role="commune_officer",
                               unit=world.thai_thuy, is_active=True, reason=" ")  # fmt: skip
    assert error.value.code == "reason_required"


def test_django_admin_refuses_a_province_for_a_commune_officer(client, officers, world):
    admin_user = officers["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post("/admin/accounts/user/add/", {"username": "cb_x", "password1": "Mật-khẩu-dài-2026",
                           "password2": "Mật-khẩu-dài-2026", "role": "commune_officer", "unit": world.hung_yen.pk})  # fmt: skip
    assert response.status_code == 200 and "area is a commune" in response.content.decode()
    assert not User.objects.filter(username="cb_x").exists()
    # units that ceased on 30/06/2025 are not offered
    assert f'value="{world.old_diem_dien.pk}"' not in client.get("/admin/accounts/user/add/").content.decode()


def test_django_admin_adds_a_user_with_role_and_area_and_audits_it(client, officers, world):
    admin_user = officers["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    form = {"username": "cb_admin_added", "password1": "Mật-khẩu-dài-2026", "password2": "Mật-khẩu-dài-2026",
            "role": "commune_officer", "unit": ""}  # fmt: skip
    missing_area = client.post("/admin/accounts/user/add/", form)
    assert missing_area.status_code == 200 and "needs an area" in missing_area.content.decode()
    assert not User.objects.filter(username="cb_admin_added").exists()
    done = client.post("/admin/accounts/user/add/", {**form, "unit": world.thai_thuy.pk})
    assert done.status_code == 302, done.content.decode()[:2000]
    added = User.objects.get(username="cb_admin_added")
    assert events(added) == [("user_created", "admin")]
    assert added.unit == world.thai_thuy and added.must_change_password


def test_a_change_by_any_other_path_is_audited_as_the_system(officers, monkeypatch):
    officer = officers["thai_thuy"]
    officer.role = Role.SUPERVISOR
    officer.save()
    assert events(officer)[-1] == ("user_changed", "system")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Mật-khẩu-khác-2026")
    call_command("changepassword", "officer_thai_thuy")
    assert events(officer)[-1] == ("user_password_set", "system")


def test_logging_in_is_not_a_change_of_the_user(client, officers):
    before = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert log_in(client, "officer_thai_thuy", "correct-horse-battery")
    logged = AuditEntry.objects.filter(object_type="user", sequence__gt=before)
    assert list(logged.values_list("event", flat=True)) == ["user_logged_in"]


def test_a_supervisor_cannot_create_or_manage_a_peer_of_the_same_unit(client, officers, world):
    peer = UserFactory(username="peer_hung_yen", role=Role.SUPERVISOR, unit=world.hung_yen)
    client.force_login(officers["hung_yen"])
    response = client.post("/officers/new/", {"username": "another_peer", "role": "supervisor",
                                              "unit": world.hung_yen.code, "reason": "thử"})  # fmt: skip
    assert response.status_code == 422 and response.context["error"].code == "unit_outside_area"
    assert client.post(f"/officers/{peer.pk}/reset-password/", {"reason": "x"}).status_code == 404
    assert client.get(f"/officers/{peer.pk}/").status_code == 404
    peer.refresh_from_db()
    assert peer.is_active and peer.check_password("correct-horse-battery")
    # a supervisor of a commune below the province is managed
    below = client.post("/officers/new/", {"username": "sv_thai_thuy", "role": "supervisor", "unit": "12730",
                                           "reason": "bổ nhiệm"})  # fmt: skip
    assert below.status_code == 200 and User.objects.get(username="sv_thai_thuy").unit == world.thai_thuy
