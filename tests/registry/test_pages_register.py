"""The pages that write the registry (issue 8 §3): register a citizen, register a birth, cancel a number,
change a residence. Through the HTTP pages, asserting what was written (and, for refusals, that nothing was)."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.registry import actions
from cancuoc.registry.models import AllocatedIdNumber, Citizen, QualityFlag
from cancuoc.units.models import Kind, Level
from cancuoc.units.selectors import invalidate_unit_index
from tests.factories import CitizenFactory, make_unit

REGISTER = "/citizens/register/"
BIRTH = "/citizens/register-birth/"
CANCEL = "/citizens/numbers/cancel/"
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _forget_the_unit_index_and_sent_forms():
    yield
    invalidate_unit_index()  # the pages built it from this test's units
    cache.clear()  # the forms already sent (keyed by user id, which the next test reuses)


def register_form(**changes) -> dict:
    form = {
        "token": TOKEN, "family_name": "Nguyễn", "middle_name": "Thị", "given_name": "Ánh", "other_names": "",
        "birth_date": "15/03/1990", "sex": "F", "id_number": "034190000111", "ethnicity": "Kinh",
        "religion": "Không", "birth_registration_unit_code": "", "origin_unit_code": "",
        "permanent_unit_code": "12730", "permanent_unit_code_q": "thai thuy", "permanent_address": "Thôn Đông, số 5",
        "temporary_unit_code": "", "temporary_address": "", "current_unit_code": "", "current_address": "",
        "father_name": "Nguyễn Văn Bình", "mother_name": "Trần Thị Cúc", "old_id_number": "151234567",
        "reason": "Đăng ký lần đầu theo tờ khai",
    }  # fmt: skip
    form.update(changes)
    return form


def without_tokens(html: str) -> str:
    """A page without its per-request tokens (CSRF, the form's own), to compare two answers."""
    return re.sub(r'(name="(csrfmiddlewaretoken|token)" value="|"X-CSRFToken": ")[^"]*"', "", html)


def events_of(kind: str, object_id: str | None = None):
    entries = AuditEntry.objects.filter(event=kind)
    return entries.filter(object_id=object_id) if object_id is not None else entries


@pytest.fixture
def thai_thuy_officer(client, officers):
    client.force_login(officers["thai_thuy"])
    return client


# --- register a citizen ----------------------------------------------------------------------------------


def test_the_register_page_creates_exactly_one_citizen_with_its_audit_entry(thai_thuy_officer, world):
    response = thai_thuy_officer.post(REGISTER, register_form())
    assert response.status_code == 302 and response["Location"] == "/citizens/034190000111/"
    citizen = Citizen.objects.get()
    assert (citizen.full_name, citizen.birth_date, citizen.sex) == ("Nguyễn Thị Ánh", date(1990, 3, 15), "F")
    assert (citizen.permanent_unit, citizen.permanent_address) == (world.thai_thuy, "Thôn Đông, số 5")
    assert (citizen.mother_name, citizen.old_id_number, citizen.religion) == ("Trần Thị Cúc", "151234567", "Không")
    entry = events_of(Event.CITIZEN_CREATED).get()
    assert (entry.object_id, entry.actor_username, entry.reason) == (
        "034190000111", "officer_thai_thuy", "Đăng ký lần đầu theo tờ khai")
    assert AllocatedIdNumber.objects.filter(number="034190000111").exists()


def test_a_page_without_the_create_verb_is_refused(client, officers):
    client.force_login(officers["auditor"])
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, register_form()).status_code == 403
    assert client.get(BIRTH).status_code == 403
    assert not Citizen.objects.exists()


def test_the_register_page_is_keyboard_first_and_offers_the_official_lists(thai_thuy_officer):
    page = thai_thuy_officer.get(REGISTER).content.decode()
    assert re.search(r'id="f-family_name"[^>]*autofocus', page)
    assert page.count("autofocus") == 1
    assert '<option value="Ê Đê">' in page and '<option value="Cao Đài">' in page
    assert "Khác: " in page  # the documented way to type a value outside the lists
    assert re.search(r'name="token" value="[0-9a-f]{32}"', page)


def test_a_refused_form_shows_what_was_typed_and_each_reason_beside_its_field(thai_thuy_officer):
    form = register_form(birth_date="31/02/1990", ethnicity="Xyz", given_name="Ánh")
    response = thai_thuy_officer.post(REGISTER, form)
    assert response.status_code == 422
    page = response.content.decode()
    assert not Citizen.objects.exists()
    for value in ("31/02/1990", "Nguyễn", "Ánh", "Thôn Đông, số 5", "Trần Thị Cúc", "151234567", "Đăng ký lần đầu"):
        assert value in page, value
    birth = page[page.index('id="f-birth_date"'):]
    assert 'aria-invalid="true"' in birth[:400]
    assert "Ngày sinh không hợp lệ" in birth[:1200]  # beside its field, before the next one
    ethnicity = page[page.index('id="f-ethnicity"'):]
    assert "Khác: &lt;tên&gt;" in ethnicity[:1500] or "Khác: <tên>" in ethnicity[:1500]
    # the chosen unit is shown again as the choice (checked), with the search text
    assert re.search(r'name="permanent_unit_code" value="12730" checked', page)
    assert 'value="thai thuy"' in page


def test_a_unit_outside_the_officers_area_is_refused(thai_thuy_officer, world):
    response = thai_thuy_officer.post(REGISTER, register_form(permanent_unit_code="00004"))  # Ba Đình
    assert response.status_code == 422
    assert "ngoài địa bàn" in response.content.decode()
    assert not Citizen.objects.exists()
    assert not events_of(Event.CITIZEN_CREATED).exists()


def test_a_residence_elsewhere_is_accepted_when_another_residence_is_in_the_area(thai_thuy_officer, world):
    form = register_form(permanent_unit_code="00004", temporary_unit_code="12730", temporary_address="Thôn 2")
    assert thai_thuy_officer.post(REGISTER, form).status_code == 302
    assert Citizen.objects.get().temporary_unit == world.thai_thuy


def test_a_second_send_of_the_same_form_creates_one_record(thai_thuy_officer, world):
    first = thai_thuy_officer.post(REGISTER, register_form())
    second = thai_thuy_officer.post(REGISTER, register_form())
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == "/citizens/034190000111/"
    assert Citizen.objects.count() == 1
    assert events_of(Event.CITIZEN_CREATED).count() == 1


def test_a_refused_send_can_be_corrected_and_sent_again_with_the_same_form(thai_thuy_officer, world):
    assert thai_thuy_officer.post(REGISTER, register_form(given_name="")).status_code == 422
    assert thai_thuy_officer.post(REGISTER, register_form()).status_code == 302
    assert Citizen.objects.count() == 1


def test_a_number_of_another_area_or_cancelled_gets_one_answer(thai_thuy_officer, world):
    CitizenFactory(id_number="001190000004", permanent_unit=world.ba_dinh)
    AllocatedIdNumber.objects.create(number="034190000222", status=AllocatedIdNumber.Status.CANCELLED)
    pages = []
    for number in ("001190000004", "034190000222"):  # both a woman born in 1990, as typed
        response = thai_thuy_officer.post(REGISTER, register_form(id_number=number, token=""))
        assert response.status_code == 422
        pages.append(response.content.decode().replace(number, "N"))
    assert "Không thể lập hồ sơ mới với số định danh này" in pages[0]
    assert without_tokens(pages[0]) == without_tokens(pages[1])


# --- the warning for a number that contradicts the sex or birth year -------------------------------------


def test_a_contradicting_number_shows_a_warning_while_typing(thai_thuy_officer):
    # 034 1 90 ...: a woman born in 1990; typed as a man born in 1985
    response = thai_thuy_officer.get("/citizens/register/check-number/",
                                     {"id_number": "034190000111", "birth_date": "15/03/1985", "sex": "M"})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "năm sinh 1990" in page and "giới tính khác" in page
    matching = thai_thuy_officer.get("/citizens/register/check-number/",
                                     {"id_number": "034190000111", "birth_date": "15/03/1990", "sex": "F"})  # fmt: skip
    assert "number-warning" not in matching.content.decode()
    short = thai_thuy_officer.get("/citizens/register/check-number/", {"id_number": "03419"})
    assert "5" in short.content.decode() and "number-warning" not in short.content.decode()


def test_the_number_check_tells_nothing_about_other_records(thai_thuy_officer, world, django_assert_max_num_queries):
    CitizenFactory(id_number="001090000004", permanent_unit=world.ba_dinh)
    thai_thuy_officer.get("/citizens/register/check-number/")  # session and user, once
    params = {"birth_date": "01/01/1990", "sex": "M"}
    with django_assert_max_num_queries(2):  # session + user: no look-up of the number
        existing = thai_thuy_officer.get("/citizens/register/check-number/", {"id_number": "001090000004", **params})
    missing = thai_thuy_officer.get("/citizens/register/check-number/", {"id_number": "001090000005", **params})
    assert existing.content == missing.content


def test_a_contradicting_number_is_accepted_with_a_warning_on_the_new_record(thai_thuy_officer):
    response = thai_thuy_officer.post(REGISTER, register_form(sex="M", birth_date="15/03/1985"), follow=True)
    assert Citizen.objects.get().id_number == "034190000111"
    page = response.content.decode()
    assert "năm sinh 1990" in page  # the message at the top of the new record's page
    assert "giới tính khác" in page
    assert Citizen.objects.get().quality_flags.filter(code=QualityFlag.Code.ID_CONTRADICTS_RECORD).exists()


def test_the_register_page_shows_the_warning_again_after_a_refusal(thai_thuy_officer):
    response = thai_thuy_officer.post(REGISTER, register_form(sex="M", birth_date="15/03/1985", reason=""))
    assert response.status_code == 422
    assert "number-warning" in response.content.decode()


def test_the_api_answers_the_warnings_of_a_created_record(client, officers, world):
    client.force_login(officers["thai_thuy"])
    payload = {"reason": "nhập", "id_number": "034190000333", "given_name": "Bình", "family_name": "Lê",
               "birth_date": "01/02/1985", "sex": "Nam", "permanent_unit_code": "12730"}  # fmt: skip
    answer = client.post("/api/v1/citizens", payload, content_type="application/json")
    assert answer.status_code == 201
    codes = {w["code"] for w in answer.json()["warnings"]}
    assert codes == {"id_birth_year_mismatch", "id_sex_mismatch"}
    assert all(w["message_vi"] and w["message_en"] for w in answer.json()["warnings"])
    payload.update(id_number="034085000444", birth_date="01/02/1985")
    assert client.post("/api/v1/citizens", payload, content_type="application/json").json()["warnings"] == []


# --- the unit type-ahead --------------------------------------------------------------------------------


def test_the_unit_type_ahead_offers_todays_communes_for_a_residence(thai_thuy_officer, world):
    page = thai_thuy_officer.get("/citizens/register/units/",
                                 {"field": "permanent_unit_code", "permanent_unit_code_q": "thuy"}).content.decode()  # fmt: skip
    assert 'value="12730" checked' in page  # Xã Thái Thụy, the first choice
    assert "Xã Đông Thụy Anh" in page and "Tỉnh Hưng Yên" in page
    assert "Xã Thụy Hải" not in page  # ceased on 30/06/2025: not a residence today
    origin = thai_thuy_officer.get("/citizens/register/units/",
                                   {"field": "origin_unit_code", "origin_unit_code_q": "thuy hai"}).content.decode()  # fmt: skip
    assert 'value="cũ:12701"' in origin  # an origin may name a unit that has ceased, read back exactly


def test_an_origin_in_a_ceased_unit_is_stored_as_that_unit(thai_thuy_officer, world):
    assert thai_thuy_officer.post(REGISTER, register_form(origin_unit_code="cũ:12701")).status_code == 302
    assert Citizen.objects.get().origin_unit == world.old_thuy_hai


def test_the_unit_type_ahead_refuses_unknown_fields(thai_thuy_officer):
    assert thai_thuy_officer.get("/citizens/register/units/", {"field": "password", "password_q": "a"}).status_code == 404


# --- register a birth -----------------------------------------------------------------------------------


def birth_form(**changes) -> dict:
    form = {
        "token": TOKEN, "family_name": "Phạm", "middle_name": "Minh", "given_name": "Đức",
        "birth_date": date.today().strftime("%d/%m/%Y"), "sex": "M", "ethnicity": "Kinh", "religion": "",
        "birth_registration_unit_code": "12730", "permanent_unit_code": "12730", "permanent_address": "Thôn 3",
        "father_name": "Phạm Văn Hùng", "mother_name": "Lê Thị Mai", "place_code": "034",
        "reason": "Giấy khai sinh số 12/2026",
    }  # fmt: skip
    form.update(changes)
    return form


def test_registering_a_birth_gives_out_a_number_and_shows_it(thai_thuy_officer, world):
    response = thai_thuy_officer.post(BIRTH, birth_form(), follow=True)
    citizen = Citizen.objects.get()
    year = date.today().year
    assert citizen.id_number.startswith(f"034{(year // 100 - 19) * 2}{year % 100:02d}")
    assert citizen.full_name == "Phạm Minh Đức"
    page = response.content.decode()
    assert re.search(rf'<li class="new-number success">[^<]*{citizen.id_number}</li>', page)
    assert events_of(Event.ID_NUMBER_ALLOCATED, citizen.id_number).count() == 1
    assert events_of(Event.CITIZEN_CREATED, citizen.id_number).count() == 1
    assert not citizen.quality_flags.filter(code=QualityFlag.Code.ID_CONTRADICTS_RECORD).exists()


def test_a_birth_form_sent_twice_gives_out_one_number(thai_thuy_officer, world):
    thai_thuy_officer.post(BIRTH, birth_form())
    thai_thuy_officer.post(BIRTH, birth_form())
    assert Citizen.objects.count() == AllocatedIdNumber.objects.count() == 1


def test_a_refused_birth_allocates_nothing(thai_thuy_officer, world):
    response = thai_thuy_officer.post(BIRTH, birth_form(permanent_unit_code="00004", place_code="999"))
    assert response.status_code == 422
    assert "Chọn tỉnh nơi đăng ký khai sinh" in response.content.decode()
    response = thai_thuy_officer.post(BIRTH, birth_form(permanent_unit_code="00004"))
    assert response.status_code == 422 and "ngoài địa bàn" in response.content.decode()
    assert 'value="Phạm Văn Hùng"' in response.content.decode()
    assert not Citizen.objects.exists() and not AllocatedIdNumber.objects.exists()
    assert not events_of(Event.ID_NUMBER_ALLOCATED).exists()


def test_the_birth_page_proposes_the_officers_province_code(thai_thuy_officer, world):
    page = thai_thuy_officer.get(BIRTH).content.decode()
    assert '<option value="033" selected>' in page  # Hưng Yên kept its code 33 in 2025


# --- cancel a number ------------------------------------------------------------------------------------


@pytest.fixture
def allocated(officers):
    """A number given out by the Thái Thụy officer (in the Hưng Yên supervisor's area), one by Ba Đình's."""
    ours = actions.allocate_id_number(officers["thai_thuy"], place_code="034", birth_year=2026, sex="M",
                                      reason="khai sinh").number  # fmt: skip
    theirs = actions.allocate_id_number(officers["ba_dinh"], place_code="001", birth_year=2026, sex="F",
                                        reason="khai sinh").number  # fmt: skip
    return ours, theirs


def test_a_commune_officer_may_not_cancel_a_number(thai_thuy_officer, allocated):
    assert thai_thuy_officer.get(CANCEL).status_code == 403
    response = thai_thuy_officer.post(CANCEL, {"id_number": allocated[0], "reason": "nhầm", "confirm": "yes"})
    assert response.status_code == 403
    assert AllocatedIdNumber.objects.get(number=allocated[0]).status == AllocatedIdNumber.Status.ACTIVE


def test_a_supervisor_cancels_a_number_after_confirming(client, officers, allocated):
    client.force_login(officers["hung_yen"])
    number = allocated[0]
    confirm = client.post(CANCEL, {"id_number": number, "reason": "Cấp trùng"})
    assert confirm.status_code == 200
    assert 'name="confirm" value="yes"' in confirm.content.decode()
    assert AllocatedIdNumber.objects.get(number=number).status == AllocatedIdNumber.Status.ACTIVE  # not yet
    done = client.post(CANCEL, {"id_number": number, "reason": "Cấp trùng", "confirm": "yes"})
    assert done.status_code == 302
    assert AllocatedIdNumber.objects.get(number=number).status == AllocatedIdNumber.Status.CANCELLED
    entry = events_of(Event.ID_NUMBER_CANCELLED, number).get()
    assert (entry.actor_username, entry.reason) == ("supervisor_hung_yen", "Cấp trùng")


def test_a_number_held_by_a_record_names_the_holder_before_cancelling(client, officers, world):
    actions.create_citizen(officers["thai_thuy"], {"id_number": "034190000555", "given_name": "Hoa",
                                                   "birth_date": "01/01/1990", "sex": "F",
                                                   "permanent_unit_code": "12730"}, reason="nhập")  # fmt: skip
    client.force_login(officers["hung_yen"])
    page = client.post(CANCEL, {"id_number": "034190000555", "reason": "trùng"}).content.decode()
    assert "Hoa" in page and "/citizens/034190000555/" in page


@pytest.mark.parametrize("confirm", ["", "yes"])
def test_an_unknown_and_an_out_of_area_number_get_the_same_answer(client, officers, allocated, confirm):
    client.force_login(officers["hung_yen"])
    answers = []
    for number in (allocated[1], "034226999999", "abc"):
        response = client.post(CANCEL, {"id_number": number, "reason": "thử", "confirm": confirm})
        assert response.status_code == 422
        answers.append(without_tokens(response.content.decode()).replace(number, "N"))
    assert answers[0] == answers[1] == answers[2]
    assert "Số định danh không tồn tại hoặc đã hủy" in answers[0]
    assert AllocatedIdNumber.objects.get(number=allocated[1]).status == AllocatedIdNumber.Status.ACTIVE
    assert events_of(Event.CITIZEN_LOOKUP_REFUSED).count() == 3


def test_a_national_admin_cancels_anywhere_and_a_reason_is_required(client, officers, allocated):
    client.force_login(officers["admin"])
    refused = client.post(CANCEL, {"id_number": allocated[1], "reason": "  ", "confirm": "yes"})
    assert refused.status_code == 422 and "Phải ghi lý do" in refused.content.decode()
    assert client.post(CANCEL, {"id_number": allocated[1], "reason": "sai", "confirm": "yes"}).status_code == 302
    assert AllocatedIdNumber.objects.get(number=allocated[1]).status == AllocatedIdNumber.Status.CANCELLED


# --- change a residence ---------------------------------------------------------------------------------


@pytest.fixture
def resident(world):
    return CitizenFactory(id_number="034090000777", permanent_unit=world.thai_thuy, permanent_address="Thôn 1")


def residence_form(citizen, **changes) -> dict:
    form = {"version": citizen.version, "permanent_unit_code": citizen.permanent_unit.code,
            "permanent_address": citizen.permanent_address, "temporary_unit_code": "", "temporary_address": "",
            "current_unit_code": "", "current_address": "", "reason": "Chuyển nơi ở"}  # fmt: skip
    form.update(changes)
    return form


def test_a_residence_change_goes_through_the_audited_update(thai_thuy_officer, resident, world):
    form = residence_form(resident, temporary_unit_code="12731", temporary_address="Xóm Mới")
    response = thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.temporary_unit, resident.temporary_address, resident.version) == (world.dong_thuy_anh, "Xóm Mới", 2)
    changes = events_of(Event.CITIZEN_CHANGED, resident.id_number).get().changes["fields"]
    assert set(changes) == {"temporary_unit_id", "temporary_address"}


def test_a_stale_residence_form_is_refused_and_overwrites_nothing(thai_thuy_officer, resident, officers, world):
    form = residence_form(resident, permanent_address="Thôn 9")
    actions.update_citizen(officers["hung_yen"], resident, {"permanent_address": "Thôn 5"}, reason="sửa",
                           expected_version=1)  # fmt: skip
    response = thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "người khác đã sửa hồ sơ này" in page  # Vietnamese first: "someone else changed this record"
    assert 'value="Thôn 9"' in page  # what was typed, kept
    resident.refresh_from_db()
    assert (resident.permanent_address, resident.version) == ("Thôn 5", 2)
    assert events_of(Event.CITIZEN_CHANGED).count() == 1
    # sending the same form again is refused again: a stale form never wins
    assert thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form).status_code == 409


def test_a_residence_form_without_a_version_is_refused(thai_thuy_officer, resident):
    form = residence_form(resident, permanent_address="Thôn 9", version="")
    assert thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form).status_code == 409
    resident.refresh_from_db()
    assert resident.permanent_address == "Thôn 1"


def test_the_temporary_residence_commune_changes_only_that_residence(client, officers, world):
    visitor = CitizenFactory(id_number="001090000888", permanent_unit=world.ba_dinh, permanent_address="Phố Huế",
                             temporary_unit=world.thai_thuy, temporary_address="Thôn 4")  # fmt: skip
    client.force_login(officers["thai_thuy"])
    url = f"/citizens/{visitor.id_number}/residence/"
    page = client.get(url).content.decode()
    assert 'name="temporary_unit_code_q"' in page and 'name="permanent_unit_code_q"' not in page
    # a forged permanent residence is not even sent to the action
    forged = residence_form(visitor, permanent_unit_code="12730", permanent_address="Thôn 1",
                            temporary_unit_code="12730", temporary_address="Thôn 6")  # fmt: skip
    assert client.post(url, forged).status_code == 302
    visitor.refresh_from_db()
    assert (visitor.permanent_unit, visitor.permanent_address) == (world.ba_dinh, "Phố Huế")
    assert visitor.temporary_address == "Thôn 6"
    # ending the temporary residence: the record leaves the area with the person
    ended = residence_form(visitor, temporary_unit_code="12730", temporary_address="Thôn 6", end_temporary="yes")
    assert client.post(url, ended).status_code == 302
    visitor.refresh_from_db()
    assert (visitor.temporary_unit, visitor.temporary_address) == (None, "")
    assert client.get(url).status_code == 404


def test_moving_the_permanent_residence_out_of_the_area_is_refused(thai_thuy_officer, resident):
    form = residence_form(resident, permanent_unit_code="00004")
    response = thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form)
    assert response.status_code == 422 and "ngoài địa bàn" in response.content.decode()
    resident.refresh_from_db()
    assert resident.permanent_unit.code == "12730" and resident.version == 1


def test_the_residence_page_of_another_area_or_a_garbage_number_is_not_found(thai_thuy_officer, world):
    CitizenFactory(id_number="001090000004", permanent_unit=world.ba_dinh)
    for number in ("001090000004", "000000000000", "x" * 300, "%00"):
        assert thai_thuy_officer.get(f"/citizens/{number}/residence/").status_code == 404
        assert thai_thuy_officer.post(f"/citizens/{number}/residence/", {"reason": "x"}).status_code == 404


def test_a_residence_change_without_a_reason_is_refused(thai_thuy_officer, resident):
    form = residence_form(resident, permanent_address="Thôn 9", reason="")
    response = thai_thuy_officer.post(f"/citizens/{resident.id_number}/residence/", form)
    assert response.status_code == 422 and "Phải ghi lý do" in response.content.decode()


# --- links ----------------------------------------------------------------------------------------------


def test_links_to_the_pages_only_for_roles_that_may_use_them(client, officers, resident):
    client.force_login(officers["thai_thuy"])
    search = client.get("/citizens/").content.decode()
    assert "/citizens/register/" in search and "/citizens/register-birth/" in search
    assert "/citizens/numbers/cancel/" not in search
    detail = client.get(f"/citizens/{resident.id_number}/").content.decode()
    assert f"/citizens/{resident.id_number}/residence/" in detail and "/citizens/numbers/cancel/" not in detail
    client.force_login(officers["hung_yen"])
    assert f"/citizens/numbers/cancel/?number={resident.id_number}" in client.get(
        f"/citizens/{resident.id_number}/").content.decode()


# --- query counts ---------------------------------------------------------------------------------------


def queries_of(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_the_pages_run_a_fixed_number_of_queries(thai_thuy_officer, world, resident):
    urls = [(REGISTER, None), (BIRTH, None), (f"/citizens/{resident.id_number}/residence/", None),
            ("/citizens/register/units/", {"field": "permanent_unit_code", "permanent_unit_code_q": "xa"})]  # fmt: skip
    for url, params in urls:
        thai_thuy_officer.get(url, params or {})  # warm the unit index
    before = [queries_of(thai_thuy_officer, url, params) for url, params in urls]
    for number in range(12):
        province = make_unit(f"Tỉnh Thử {number}", level=Level.PROVINCE, code=f"9{number}")
        make_unit(f"Xã Thử {number}", level=Level.COMMUNE, code=f"99{number:03d}", parent=province, kind=Kind.XA)
    resident.temporary_unit = world.dong_thuy_anh
    resident.current_unit = world.thai_thuy
    resident.save()
    for url, params in urls:
        thai_thuy_officer.get(url, params or {})
    after = [queries_of(thai_thuy_officer, url, params) for url, params in urls]
    assert after[:2] == before[:2]
    assert after[3] == before[3]  # eight choices at most, in one query whatever matches
    assert after[2] == before[2]  # two more residences shown: their units read in the same one query
    assert max(after) <= 20


def test_every_problem_of_the_form_is_named_at_once(thai_thuy_officer):
    response = thai_thuy_officer.post(REGISTER, register_form(given_name="", id_number="12", birth_date="x", reason=""))
    assert response.status_code == 422
    page = response.content.decode()
    for message in ("Phải ghi lý do", "Thiếu tên", "12 chữ số", "Ngày sinh không hợp lệ"):
        assert message in page, message
    assert not Citizen.objects.exists()


@pytest.mark.parametrize("url", [REGISTER, BIRTH, CANCEL, "/citizens/register/units/?field=origin_unit_code",
                                 "/citizens/register/check-number/?id_number=034190000111",
                                 "/citizens/034090000777/residence/"])  # fmt: skip
def test_every_page_asks_for_a_login_first(client, world, url):
    CitizenFactory(id_number="034090000777", permanent_unit=world.thai_thuy)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert client.post(url.split("?")[0], register_form()).status_code in (302, 405)
    assert not Citizen.objects.exclude(id_number="034090000777").exists()


def test_control_characters_anywhere_are_refused_not_a_server_error(client, officers, world, resident):
    client.force_login(officers["thai_thuy"])
    form = register_form(id_number="\x00", reason="x\x00", permanent_unit_code="\x00", token="\x00")
    response = client.post(REGISTER, form)
    assert response.status_code == 422 and "ký tự điều khiển" in response.content.decode()
    birth = client.post(BIRTH, birth_form(reason="a\x00", birth_registration_unit_code="cũ:\x00"))
    assert birth.status_code == 422
    residence = client.post(f"/citizens/{resident.id_number}/residence/",
                            residence_form(resident, permanent_address="Thôn 9", reason="a\x1b[31m"))  # fmt: skip
    assert residence.status_code == 422
    client.force_login(officers["hung_yen"])
    cancel = client.post(CANCEL, {"id_number": "0\x001", "reason": "x\x00", "confirm": "yes"})
    assert cancel.status_code == 422
    assert not Citizen.objects.exclude(pk=resident.pk).exists()
    assert Citizen.objects.get(pk=resident.pk).version == 1


def test_too_long_text_is_refused_with_its_length_not_cut(thai_thuy_officer, world):
    response = thai_thuy_officer.post(REGISTER, register_form(permanent_address="a" * 5000, reason="b" * 301))
    assert response.status_code == 422
    page = response.content.decode()
    assert "5000 ký tự, tối đa 200" in page and "301 ký tự, tối đa 300" in page
    assert not Citizen.objects.exists()


def test_after_a_refusal_the_cursor_waits_in_the_first_field_with_a_problem(thai_thuy_officer):
    page = thai_thuy_officer.post(REGISTER, register_form(reason="")).content.decode()
    focused = [line for line in page.splitlines() if " autofocus" in line]
    assert len(focused) == 1 and 'name="reason"' in focused[0]
    page = thai_thuy_officer.post(REGISTER, register_form(birth_date="31/02/1990", reason="")).content.decode()
    focused = [line for line in page.splitlines() if " autofocus" in line]
    assert len(focused) == 1 and 'name="birth_date"' in focused[0]
