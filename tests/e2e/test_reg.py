"""Registering a citizen in Chromium, by keyboard: a commune officer types a name with diacritics, a birth date, a
sex and a number whose prefix says otherwise (the warning shows while typing), chooses the commune with the
type-ahead, presses Enter and lands on the new record, warning included. The writing pages fit a 390-px phone.
"""

import pytest

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.registry.models import Citizen
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_commune_officer_registers_a_citizen_by_keyboard(flushable_audit_log, browser, live_server, world,
                                                            officers):  # fmt: skip
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "officer_thai_thuy")
    page.goto(f"{live_server.url}/citizens/")
    page.click("a[href='/citizens/register/']")
    page.wait_for_selector("#f-family_name:focus")  # autofocus: the officer types at once
    keyboard = page.keyboard
    keyboard.type("Nguyễn")
    keyboard.press("Tab")
    keyboard.type("Thị")
    keyboard.press("Tab")
    keyboard.type("Ánh")
    keyboard.press("Tab")  # other names: none
    keyboard.press("Tab")
    keyboard.type("15/03/1985")
    keyboard.press("Tab")  # into the sex: Nam first
    assert page.evaluate("document.activeElement.value") == "M"
    keyboard.press("Space")  # Nam: a man
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-id_number"
    keyboard.type("034190000111")  # 034 · 1 = a woman born in the 1900s · 90: born 1990
    warning = page.wait_for_selector("#number-check .number-warning")
    text = warning.inner_text()
    assert "1990" in text and "giới tính" in text
    keyboard.press("Tab")  # old CMND: none
    keyboard.press("Tab")
    keyboard.type("Kinh")
    keyboard.press("Escape")  # close the list the browser offers
    page.focus("#f-permanent_unit_code_q")
    keyboard.type("thai thuy")
    page.wait_for_selector("input[name=permanent_unit_code][value='12730']:checked")
    keyboard.press("Tab")  # onto the chosen commune
    assert page.evaluate("document.activeElement.name") == "permanent_unit_code"
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-permanent_address"
    keyboard.type("Thôn Đông, số 5")
    page.focus("#f-reason")
    keyboard.type("Đăng ký lần đầu theo tờ khai")
    keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/citizens/034190000111/")
    page.wait_for_selector("h1 >> text=Nguyễn Thị Ánh")
    messages = page.inner_text("ul.messages")
    assert "1990" in messages and "giới tính" in messages  # the warning, on the new record's page
    citizen = Citizen.objects.get()
    assert (citizen.full_name, citizen.sex, citizen.permanent_unit_id) == ("Nguyễn Thị Ánh", "M", world.thai_thuy.pk)
    assert citizen.permanent_address == "Thôn Đông, số 5"
    assert AuditEntry.objects.filter(event=Event.CITIZEN_CREATED, object_id="034190000111").count() == 1
    page.close()


def test_the_writing_pages_fit_a_phone(flushable_audit_log, browser, live_server, world, officers):
    CitizenFactory(id_number="034090000777", permanent_unit=world.thai_thuy, temporary_unit=world.dong_thuy_anh,
                   permanent_address="Thôn" + "Đông" * 40, temporary_address="Xóm Mới")  # fmt: skip
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "supervisor_hung_yen")
    for path in ("/citizens/register/", "/citizens/register-birth/", "/citizens/numbers/cancel/",
                 "/citizens/034090000777/residence/"):  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("form.register")
        if path == "/citizens/register/":
            page.fill("#f-birth_date", "01/01/1985")
            page.check("#f-sex-m")
            page.fill("#f-id_number", "034190000111")
            page.wait_for_selector("#number-check .number-warning")
            page.fill("#f-permanent_unit_code_q", "thuy")
            page.wait_for_selector("input[name=permanent_unit_code]:checked")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways: {width}px"
    page.close()


def test_a_supervisor_changes_a_residence_and_cancels_a_number_by_keyboard(flushable_audit_log, browser, live_server,
                                                                           world, officers):  # fmt: skip
    from cancuoc.registry import actions
    from cancuoc.registry.models import AllocatedIdNumber

    citizen = actions.create_citizen(officers["thai_thuy"], {"id_number": "034090000777", "given_name": "Đức",
                                                             "family_name": "Phạm", "birth_date": "01/02/1990",
                                                             "sex": "M", "permanent_unit_code": "12730"},
                                     reason="nhập")  # fmt: skip
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "supervisor_hung_yen")
    page.goto(f"{live_server.url}/citizens/{citizen.id_number}/")
    page.click(f"a[href='/citizens/{citizen.id_number}/residence/']")
    page.wait_for_selector("#f-permanent_unit_code_q:focus")
    page.focus("#f-temporary_unit_code_q")
    keyboard = page.keyboard
    keyboard.type("dong thuy")
    page.wait_for_selector("input[name=temporary_unit_code][value='12731']:checked")
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.type("Xóm Mới")
    page.focus("#f-reason")
    keyboard.type("Đăng ký tạm trú")
    keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/citizens/{citizen.id_number}/")
    page.wait_for_selector("table.history >> text=Đăng ký tạm trú")
    citizen.refresh_from_db()
    assert (citizen.temporary_unit, citizen.temporary_address) == (world.dong_thuy_anh, "Xóm Mới")

    page.click(f"a[href='/citizens/numbers/cancel/?number={citizen.id_number}']")
    page.wait_for_selector("#f-id_number:focus")
    assert page.input_value("#f-id_number") == citizen.id_number
    page.focus("#f-reason")
    keyboard.type("Cấp trùng")
    keyboard.press("Enter")
    page.wait_for_selector("button[type=submit]:focus")  # the confirmation, its button ready for Enter
    assert "Phạm Đức" in page.inner_text("main")
    assert AllocatedIdNumber.objects.get(number=citizen.id_number).status == AllocatedIdNumber.Status.ACTIVE
    keyboard.press("Enter")
    page.wait_for_selector(f"ul.messages >> text={citizen.id_number}")  # back on the empty form, with the news
    assert AllocatedIdNumber.objects.get(number=citizen.id_number).status == AllocatedIdNumber.Status.CANCELLED
    page.close()
