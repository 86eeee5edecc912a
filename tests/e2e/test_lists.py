"""Chromium: a supervisor opens the dashboard, clicks a quality count, lands on the worklist, opens a
suspected duplicate pair side by side and merges it; the pages fit a 390-px phone without sideways
scrolling."""

import pytest

from cancuoc.registry import quality
from cancuoc.registry.models import AllocatedIdNumber, Citizen, QualityFlag
from tests.factories import CitizenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_a_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_dashboard_worklist_side_by_side_merge(flushable_audit_log, browser_page, live_server, world, officers):
    keep = CitizenFactory(id_number="034090900041", family_name="Đặng", middle_name="Thị", given_name="Nguyệt",
                          sex="F", permanent_unit=world.thai_thuy, ethnicity="Kinh",
                          permanent_address="Số 12 đường Nguyễn Trãi, thôn Đông Hải Thượng, một địa chỉ rất dài")  # fmt: skip
    twin = CitizenFactory(id_number="034190900042", family_name="Đặng", middle_name="Thị", given_name="Nguyệt",
                          sex="F", permanent_unit=world.thai_thuy, ethnicity="Mường", religion="Công giáo")  # fmt: skip
    CitizenFactory(permanent_unit=world.ba_dinh)  # outside the supervisor's province
    AllocatedIdNumber.objects.bulk_create([AllocatedIdNumber(number=keep.id_number), AllocatedIdNumber(number=twin.id_number)])
    quality.flag_duplicates()
    assert QualityFlag.objects.filter(code="duplicate").count() == 2

    page = browser_page
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "supervisor_hung_yen")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # the dashboard's count of suspected duplicates in Xã Thái Thụy leads to that commune's worklist
    page.click(f"table.quality-table a[href^='/citizens/quality/duplicate/?unit={world.thai_thuy.pk}']")
    page.wait_for_selector("h1 >> text=Nghi trùng hồ sơ")
    assert "Xã Thái Thụy" in page.inner_text("h1")
    rows = page.inner_text("table.results")
    assert keep.id_number in rows and twin.id_number in rows
    assert "Trùng họ tên và ngày sinh với" in rows  # the flag's detail in words

    page.click(f"a[href='/citizens/quality/duplicates/{keep.pk}/']")
    page.wait_for_selector("h1 >> text=So sánh hồ sơ nghi trùng")
    assert page.locator("tr.differs").count() >= 3  # the kept-record row, the number and the differing fields
    page.check("input[name=take_ethnicity][value=right]")  # the twin's ethnicity goes to the kept record
    page.fill("#f-reason", "Cùng một người: đã đối chiếu giấy khai sinh")
    page.press("#f-reason", "Enter")  # Enter never merges: the explicit tick is missing
    page.wait_for_selector("text=Đánh dấu xác nhận đây là một người trước khi hợp nhất")
    assert Citizen.objects.get(pk=twin.pk).merged_into_id is None
    page.check("input[name=confirm_merge]")
    page.click("button[value=merge]")
    page.wait_for_selector(".merged-banner >> text=Các hồ sơ đã hợp nhất vào hồ sơ này")
    assert "Lịch sử của hồ sơ đã hợp nhất" in page.content()

    kept, merged = Citizen.objects.get(pk=keep.pk), Citizen.objects.get(pk=twin.pk)
    assert kept.ethnicity == "Mường" and kept.religion == "Công giáo"
    assert merged.merged_into_id == kept.pk
    assert AllocatedIdNumber.objects.get(number=twin.id_number).status == "cancelled"

    # the merged record opens by its number, with the banner; the list no longer shows it
    page.goto(f"{live_server.url}/citizens/{twin.id_number}/")
    page.wait_for_selector(".merged-banner >> text=đã được hợp nhất vào hồ sơ 034090900041")
    page.goto(f"{live_server.url}/citizens/list/")
    listed = page.inner_text("table.results")
    assert keep.id_number in listed and twin.id_number not in listed

    # a phone: none of the pages scrolls sideways
    page.set_viewport_size({"width": 390, "height": 844})
    for address in ["/", "/citizens/list/", "/citizens/list/?age=25-39&sex=F", "/citizens/quality/missing_fields/",
                    f"/citizens/quality/duplicate/?unit={world.thai_thuy.pk}", f"/citizens/{keep.id_number}/",
                    "/citizens/list/?age=bad"]:  # fmt: skip
        page.goto(f"{live_server.url}{address}")
        assert fits_a_phone(page), address

    # an unmerged pair side by side on the phone
    third = CitizenFactory(id_number="034090900043", given_name="Tùng", permanent_unit=world.thai_thuy,
                           permanent_address="Một địa chỉ thật dài không có chỗ ngắt dòngggggggggggggggggggggggg")  # fmt: skip
    CitizenFactory(id_number="034090900044", given_name="Tùng", permanent_unit=world.dong_thuy_anh)
    quality.flag_duplicates()
    page.goto(f"{live_server.url}/citizens/quality/duplicates/{third.pk}/")
    page.wait_for_selector("button[value=merge]")
    assert fits_a_phone(page)
