"""Every page fits a phone 390 px wide: Chromium (Playwright) at 390×844 opens each page as the roles that
use it and checks that the page never scrolls sideways, with a long unbroken value (an address typed as one
word, a long username, a long file name) in the records shown. The menu folds behind a switch that opens
without a script.

Set CANCUOC_PHONE_SCREENSHOTS=<folder> to keep a full-page screenshot of each page there.
"""

import os
from pathlib import Path

import pytest
from django.db import connection

from cancuoc.accounts.models import Role
from cancuoc.registry import quality
from cancuoc.registry.actions import update_citizen
from cancuoc.registry.models import Citizen
from tests.factories import CitizenFactory, HouseholdFactory, UserFactory

PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What overflows, for the failure message: elements, or the text inside them, that reach past the right
# edge and are not inside a box that scrolls by itself.
WIDEST_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (/auto|scroll|hidden/.test(getComputedStyle(p).overflowX)) return true; }
    return false; };
  const reach = (el) => Math.max(el.getBoundingClientRect().right, el.getBoundingClientRect().left + el.scrollWidth);
  return [...document.querySelectorAll("body *")]
    .filter((el) => reach(el) > width + 0.5 && !scrolls(el))
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(reach(el))}px`)
    .slice(-8);
}"""


@pytest.fixture
def phone(browser):
    return browser.new_page(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)


def long_word(model, field: str, length: int = 300) -> str:
    """One unbroken word of ``length`` characters, or as long as the database lets the field be (SQLite does
    not enforce a column's length, PostgreSQL does)."""
    if connection.vendor != "sqlite":
        length = min(length, model._meta.get_field(field).max_length)
    return ("Sốnhà" * length)[:length]


def log_in(page, server, username):
    page.context.clear_cookies()
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server}/")


def assert_fits(page, what):
    page.wait_for_load_state("networkidle")
    shots = os.environ.get("CANCUOC_PHONE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{what.replace('/', '_')}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{what} is {width} px wide on a phone: {page.evaluate(WIDEST_OVERFLOWING)}"
    )


def visit(page, url, what, status=200):
    response = page.goto(url)
    assert response.status == status, (what, response.status)
    assert_fits(page, what)


def refuse_and_fit(page, what, fields: dict[str, str]):
    """Sends the page's form with long values and without the browser's own checks, so the server shows it
    again with its reasons and what was typed; that page fits too."""
    page.evaluate("document.querySelectorAll('main form').forEach((form) => { form.noValidate = true; })")
    for name, value in fields.items():
        page.fill(f"main form [name={name}]", value)
    page.click("main form button[type=submit] >> nth=-1")
    page.wait_for_load_state("networkidle")
    assert page.locator("main .error, main .errorlist, main [aria-invalid=true]").count(), what
    assert_fits(page, what)


@pytest.fixture
def long_records(world, officers):
    """A citizen and a household whose address is one long word, a history with long values, an officer
    with a long username."""
    household = HouseholdFactory(unit=world.thai_thuy, address=long_word(Citizen, "permanent_address"))
    citizen = CitizenFactory(
        id_number="034190000002", family_name="Lê", middle_name="Thị", given_name="Hòa", sex="F",
        permanent_unit=world.thai_thuy, permanent_address=long_word(Citizen, "permanent_address"),
        household=household, relation_to_head="head",
    )  # fmt: skip
    household.head = citizen
    household.save()
    CitizenFactory(family_name="Lê", middle_name="Văn", given_name="Hòa", permanent_unit=world.thai_thuy,
                   household=household, relation_to_head="child")  # fmt: skip
    update_citizen(
        officers["thai_thuy"], citizen, {"current_address": "Khu" * 60}, reason="Lý do " + "x" * 250
    )
    UserFactory(username="u" * 150, last_name="Nguyễn", first_name="Văn Bình", role=Role.COMMUNE_OFFICER,
                unit=world.thai_thuy)  # fmt: skip
    return citizen


def test_every_page_fits_a_phone(
    flushable_audit_log, phone, live_server, world, officers, long_records, tmp_path
):
    page, server = phone, live_server.url

    visit(page, f"{server}/login/", "login")
    page.fill("#id_username", "x" * 150)  # the longest a username may be
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    page.wait_for_selector("main .error")
    assert_fits(page, "login refused")

    log_in(page, server, "officer_thai_thuy")
    assert_fits(page, "home as a commune officer")
    visit(page, f"{server}/citizens/", "citizen search")
    visit(page, f"{server}/citizens/?q=le+thi+hoa", "citizen search results")
    assert page.locator("table.results >> text=034190000002").count() == 1
    page.fill("input[name=q]", "le hoa")  # the results htmx swaps in while typing
    page.wait_for_selector("table.results >> text=Lê Văn Hòa")
    assert_fits(page, "citizen search results (htmx)")
    visit(page, f"{server}/citizens/034190000002/", "citizen page")
    assert page.locator("text=Lý do xxxx").count() == 1  # the history, with its long reason
    # its table becomes one card per change, each value introduced by its column's name
    assert page.eval_on_selector("table.history tbody tr", "row => getComputedStyle(row).display") == "block"
    assert page.eval_on_selector("table.history thead", "head => head.getBoundingClientRect().height") <= 1
    visit(page, f"{server}/citizens/households/{long_records.household_id}/", "household page")
    visit(page, f"{server}/units/", "units browser")
    page.fill("input[name=q]", "thai thuy")
    page.wait_for_selector("#unit-results >> text=Thái Thụy")
    page.fill("input[name=address]", "Xã Thụy Hải, Huyện Thái Thụy, Tỉnh Thái Bình")
    page.click("form.spaced button[type=submit]")
    page.wait_for_selector("#resolved >> text=Thái Thụy")
    assert_fits(page, "units browser with a search and an old address")
    visit(page, f"{server}/units/{world.old_thai_thuy.pk}/", "unit page")
    visit(page, f"{server}/imports/", "imports")
    csv_file = tmp_path / ("dân-cư-" + "tệp" * 40 + ".csv")
    csv_file.write_text("Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú,Địa chỉ thường trú\n"
                        f"034090000777,Phạm Văn Đức,01/02/1985,Nam,12730,{'Thôn' * 60}\n"
                        f"03409000077,{'Sai' * 100},01/02/1985,Nam,12730,\n", encoding="utf-8")  # fmt: skip
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("text=Tải lên và kiểm tra")
    page.wait_for_selector("table.errors >> text=12 chữ số")
    assert_fits(page, "import job report")
    visit(page, f"{server}/imports/", "imports with a job")
    visit(page, f"{server}/password/", "password change")
    refuse_and_fit(
        page,
        "password change refused",
        {"old_password": "wrong", "new_password": "p" * 300, "new_password2": "q" * 300},
    )
    visit(page, f"{server}/citizens/{'9' * 300}/", "not found", status=404)
    visit(page, f"{server}/audit/?actor={'a' * 150}", "audit log refused", status=403)

    log_in(page, server, "supervisor_hung_yen")
    assert_fits(page, "home as a supervisor")
    visit(page, f"{server}/officers/", "officers")
    visit(page, f"{server}/officers/?q={'u' * 150}", "officers found")
    visit(page, f"{server}/officers/new/", "new officer")
    refuse_and_fit(page, "new officer refused", {"username": "u" * 150, "reason": "r" * 300})
    officer = type(officers["admin"]).objects.get(username="u" * 150)
    visit(page, f"{server}/officers/{officer.pk}/", "officer form")

    log_in(page, server, "auditor")
    assert_fits(page, "home as an auditor")
    visit(page, f"{server}/audit/", "audit log")
    visit(page, f"{server}/audit/?object_id=034190000002&since=01%2F01%2F2000", "audit log filtered")
    visit(page, f"{server}/citizens/", "citizens refused", status=403)

    log_in(page, server, "production")
    assert_fits(page, "home as a production operator")

    log_in(page, server, "admin")
    assert_fits(page, "home as a national administrator")
    visit(page, f"{server}/citizens/034190000002/", "citizen page as a national administrator")
    visit(page, f"{server}/audit/?since=99%2F99%2F2000", "audit log with a wrong date", status=422)


def test_the_menu_folds_on_a_phone_and_opens_without_a_script(
    flushable_audit_log, phone, live_server, world, officers
):
    page, server = phone, live_server.url
    log_in(page, server, "officer_thai_thuy")
    citizens = page.locator("nav.menu a[href='/citizens/']")
    assert not citizens.is_visible()  # folded
    page.click("details.menu-switch summary")
    assert citizens.is_visible()
    assert page.locator("header .who form button").is_visible()  # log out, in the opened menu
    assert_fits(page, "opened menu")
    citizens.click()
    page.wait_for_url(f"{server}/citizens/")
    assert page.locator("nav.menu a[aria-current=page]").get_attribute("href") == "/citizens/"
    assert not citizens.is_visible()  # a new page starts with the menu folded again

    page.set_viewport_size({"width": 1280, "height": 900})  # on a wide screen the menu is always there
    assert citizens.is_visible()
    assert not page.locator("details.menu-switch").is_visible()


def test_the_registry_writing_pages_and_lists_fit_a_phone(
    flushable_audit_log, phone, live_server, world, officers, long_records
):
    page, server, word = phone, live_server.url, "Đườnglàng" * 33
    twin = CitizenFactory(family_name="Lê", middle_name="Thị", given_name="Hòa", sex="F",
                          birth_date=long_records.birth_date, permanent_unit=world.thai_thuy)  # fmt: skip
    quality.refresh_flags([long_records, twin])
    household = long_records.household_id

    log_in(page, server, "officer_thai_thuy")
    visit(page, f"{server}/citizens/list/", "citizen list")
    assert page.locator("main >> text=034190000002").count() >= 1
    visit(
        page, f"{server}/citizens/list/?age=nonsense&unit={'9' * 200}", "citizen list with wrong filters", 400
    )
    visit(page, f"{server}/citizens/quality/duplicate/", "quality worklist")
    visit(page, f"{server}/citizens/quality/missing_fields/", "quality worklist (another flag)")
    visit(page, f"{server}/citizens/quality/duplicates/{long_records.pk}/?twin={twin.pk}", "duplicate review")
    visit(page, f"{server}/citizens/register/", "register a citizen")
    refuse_and_fit(
        page,
        "register a citizen, refused",
        {"given_name": word, "permanent_address": word, "id_number": "1" * 30, "reason": word},
    )
    visit(page, f"{server}/citizens/register-birth/", "register a birth")
    refuse_and_fit(page, "register a birth, refused", {"given_name": word, "permanent_address": word})
    visit(page, f"{server}/citizens/034190000002/residence/", "change a residence")
    refuse_and_fit(page, "change a residence, refused", {"current_address": word, "reason": ""})
    visit(page, f"{server}/citizens/households/new/", "new household")
    refuse_and_fit(page, "new household, refused", {"address": word})
    visit(page, f"{server}/citizens/households/{household}/move/", "move a household member")
    visit(page, f"{server}/citizens/households/{household}/head/", "change the head of a household")

    log_in(page, server, "supervisor_hung_yen")
    visit(page, f"{server}/citizens/numbers/cancel/", "cancel a number")
    refuse_and_fit(page, "cancel a number, refused", {"id_number": "0" * 300})
    visit(page, f"{server}/citizens/numbers/cancel/?number=034190000002", "cancel a number: confirm")
