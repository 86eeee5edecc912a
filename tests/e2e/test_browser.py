"""Drives Debian's Chromium through Playwright: login → search → citizen page → correction → import.

Runs against a live server on loopback. Skipped only when no Chromium is installed and the run does not
require it; CI sets CANCUOC_REQUIRE_E2E=1, so there a missing browser fails the run.
"""

import pytest

from cancuoc.registry.models import Citizen
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_search_citizen_page_correction_and_import(
    flushable_audit_log, browser_page, live_server, world, officers, tmp_path
):
    CitizenFactory(id_number="034190000002", family_name="Lê", middle_name="Thị", given_name="Hòa",
                   sex="F", permanent_unit=world.thai_thuy)  # fmt: skip
    CitizenFactory(id_number="001090000004", family_name="Lê", middle_name="Thị", given_name="Hòa",
                   sex="F", permanent_unit=world.ba_dinh)  # fmt: skip
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "Đăng nhập" in page.content()  # Vietnamese first, whatever the browser's language
    page.fill("#id_username", "officer_thai_thuy")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav a[href='/citizens/']")
    page.fill("input[name=q]", "le thi hoa")  # no diacritics; htmx searches as the officer types
    page.wait_for_selector("table.results >> text=034190000002")
    assert "001090000004" not in page.content(), "a citizen of another area was shown"

    page.click("text=034190000002")
    page.wait_for_selector("h1 >> text=Lê Thị Hòa")
    page.fill("#f-ethnicity", "Tày")
    page.fill("#f-reason", "Điều chỉnh theo giấy khai sinh")
    page.click("text=Lưu thay đổi")
    page.wait_for_selector("table.history >> text=Điều chỉnh theo giấy khai sinh")
    assert Citizen.objects.get(id_number="034190000002").ethnicity == "Tày"

    csv_file = tmp_path / "dan-cu.csv"
    csv_file.write_text("Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"
                        "034090000777,Phạm Văn Đức,01/02/1985,Nam,12730\n"
                        "03409000077,Sai Số,01/02/1985,Nam,12730\n", encoding="utf-8")  # fmt: skip
    page.click("nav a[href='/imports/']")
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("text=Tải lên và kiểm tra")
    page.wait_for_selector("table.errors >> text=12 chữ số")
    page.click("button:has-text('Cập nhật 1 dòng hợp lệ')")
    page.wait_for_selector("text=Đã cập nhật", timeout=15000)
    assert Citizen.objects.filter(id_number="034090000777").exists()
    assert not Citizen.objects.filter(id_number="03409000077").exists()
