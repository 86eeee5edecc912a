"""Campaign pages: the dashboard from kept counts, the outstanding list and its exports, the daily report,
the plan, areas (another area's unit is not found) and bad input."""

import io

import pytest
from django.urls import reverse

from cancuoc.campaigns import counting

from .conftest import apply


@pytest.fixture
def folded(campaign, officers, world):
    apply(campaign["an"], officers["thai_thuy"], world.thai_thuy)
    counting.fold()
    return campaign


def test_dashboard_of_a_province_reads_kept_counts_in_a_few_queries(client, folded, officers, world,
                                                                    django_assert_max_num_queries):  # fmt: skip
    client.force_login(officers["hung_yen"])
    with django_assert_max_num_queries(30):
        response = client.get(reverse("campaign-dashboard"), {"unit": "33"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Xã Thái Thụy" in body and "Xã Đông Thụy Anh" in body
    assert body.count("<svg") == 2 and "<script>" not in body  # charts drawn on the server, no inline script
    assert response.context["own"].values["target"] == 8
    assert [row.area.code for row in response.context["ranking"]] == ["12730", "12731"]


def test_dashboard_opens_on_the_users_own_unit_and_refuses_other_areas(client, folded, officers, world):
    client.force_login(officers["thai_thuy"])
    assert client.get(reverse("campaign-dashboard")).context["area"].code == "12730"
    # another area's unit, an unknown code and garbage look the same: the officer's own area, with the reason
    for code in ("00004", "33", "99999", "garbage\x00'"):
        response = client.get(reverse("campaign-dashboard"), {"unit": code})
        assert response.status_code == 200 and response.context["area"].code == "12730"
        body = response.content.decode()
        assert "Không tìm thấy đơn vị hành chính" in body and "Xã Đông Thụy Anh" not in body
    response = client.get(reverse("campaign-outstanding"), {"unit": "33"})
    assert response.status_code == 200 and response.context["area"].code == "12730"
    # a download or an action never falls back to another area than the one asked for
    assert client.get(reverse("campaign-outstanding-export", args=["xlsx"]), {"unit": "33"}).status_code == 404
    client.force_login(officers["production"])
    assert client.get(reverse("campaign-dashboard")).status_code == 403


def test_national_admin_sees_the_country(client, folded, officers):
    client.force_login(officers["admin"])
    response = client.get(reverse("campaign-dashboard"))
    assert response.status_code == 200 and response.context["area"].code == "VN"
    assert response.context["own"].values["target"] == 9


def test_outstanding_list_by_household_and_its_exports(
    client, folded, officers, world, django_assert_max_num_queries
):
    client.force_login(officers["thai_thuy"])
    with django_assert_max_num_queries(15):  # the same for 7 people or 2,000
        response = client.get(reverse("campaign-outstanding"), {"unit": "12730"})
    assert response.status_code == 200
    reasons = {
        row.id_number: row.reason for _key, rows in response.context["households"] for row, _r, _a in rows
    }
    assert folded["an"].id_number not in reasons
    assert reasons[folded["elder"].id_number] == "elderly"
    assert reasons[folded["away"].id_number] == "away"
    assert reasons[folded["soon"].id_number] == "turning_14"
    assert reasons[folded["binh"].id_number] == "not_applied"
    xlsx = client.get(reverse("campaign-outstanding-export", args=["xlsx"]), {"unit": "12730"})
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][2] == "Số định danh" and len(values) == 1 + len(reasons)
    assert not any(isinstance(v, str) and v.startswith("=") for row in values for v in row)
    pdf = client.get(reverse("campaign-outstanding-export", args=["pdf"]), {"unit": "12730"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client.get(reverse("campaign-outstanding-export", args=["exe"]), {"unit": "12730"}).status_code == 404
    )


def test_daily_report_pdf_and_xlsx(client, folded, officers):
    client.force_login(officers["hung_yen"])
    pdf = client.get(reverse("campaign-report", args=["pdf"]), {"unit": "33"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("campaign-report", args=["xlsx"]), {"unit": "33"})
    from openpyxl import load_workbook

    rows = [
        [cell.value for cell in row] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
    ]
    assert rows[0][:3] == ["Hạng", "Đơn vị", "Chỉ tiêu"]
    by_name = {row[1]: row for row in rows[1:]}
    assert (
        by_name["Xã Thái Thụy"][2] == 6
        and by_name["Xã Thái Thụy"][4] == 1
        and by_name["Xã Thái Thụy"][3] == 1
    )
    assert by_name["Tỉnh Hưng Yên"][2] == 8
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    share = sheet.cell(row=2, column=rows[0].index("Tỷ lệ") + 1)
    assert isinstance(share.value, float) and 0 <= share.value <= 1 and share.number_format == "0.0%"


def test_plan_page_shows_the_simulation_and_a_bad_date_is_not_an_error(client, folded, officers):
    client.force_login(officers["hung_yen"])
    response = client.get(reverse("campaign-plan"), {"unit": "33", "by": "31/02/2027", "shifts": "x"})
    assert response.status_code == 200
    (five, five_plan), (three, three_plan) = response.context["day_results"]
    assert (five, three) == (5, 3) and three_plan.served >= five_plan.served


def test_visit_page_records_an_outcome_and_answers_bad_input_cleanly(client, folded, officers):
    from cancuoc.campaigns.models import Visit

    client.force_login(officers["thai_thuy"])
    url = reverse("campaign-visit", args=[folded["binh"].id_number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"outcome": "absent", "visited_on": "01/12/2026", "key": "a1"})
    assert response.status_code == 302 and Visit.objects.get().outcome == "absent"
    for bad in ({"outcome": "absent", "visited_on": "45/13/2026"}, {"outcome": "x\x00"},
                {"outcome": "moved", "moved_to": "\x00"}, {"condition": "zombie"}):  # fmt: skip
        assert client.post(url, bad).status_code == 200
    assert Visit.objects.count() == 1
    assert client.get(reverse("campaign-visit", args=["0123"])).status_code == 404
    assert client.get(reverse("campaign-visit", args=[folded["hanoi"].id_number])).status_code == 404


def test_planning_forms_refuse_garbage_without_an_error_page(client, folded, officers, world):
    from cancuoc.campaigns.models import Team, TeamVisit

    client.force_login(officers["hung_yen"])
    change = reverse("campaign-plan-change")
    assert (
        client.post(change, {"unit": "33", "what": "team", "code": "LD-1", "name": "Tổ 1"}).status_code == 302
    )
    assert (
        client.post(change, {"unit": "33", "what": "team", "code": "LD-1", "name": "Tổ 1"}).status_code == 302
    )
    assert Team.objects.count() == 1
    for bad in ({"team": "LD-1\x00", "commune": "12730", "day": "01/01/2099", "slot": "morning"},
                {"team": "LD-1", "commune": "\x00", "day": "01/01/2099", "slot": "morning"},
                {"team": "LD-1", "commune": "12730", "day": "garbage", "slot": "morning"},
                {"team": "LD-1", "commune": "12730", "day": "01/01/2099", "slot": "brunch", "place_kind": "village",
                 "place_name": "Thôn 1"}):  # fmt: skip
        assert client.post(change, {"unit": "33", "what": "visit", **bad}).status_code == 302
    assert not TeamVisit.objects.exists()
    assign = client.post(reverse("campaign-assign"), {"unit": "33", "team": "\x00", "id_number": ["\x00"]})
    assert assign.status_code == 302
    client.force_login(officers["thai_thuy"])
    assert client.post(change, {"unit": "12730", "what": "team", "code": "X", "name": "X"}).status_code == 403


def test_a_pre_2025_district_is_shown_through_its_successors(client, folded, officers):
    client.force_login(officers["hung_yen"])
    response = client.get(reverse("campaign-dashboard"), {"unit": "cũ:344"})
    assert response.status_code == 200 and response.context["area"].ceased
    assert sorted(row.area.code for row in response.context["rows"]) == ["12730", "12731"]
    assert response.context["own"].values["target"] == 8
    client.force_login(officers["thai_thuy"])  # one of its successors is outside this officer's commune
    assert client.get(reverse("campaign-dashboard"), {"unit": "cũ:344"}).context["area"].code == "12730"
    assert client.get(reverse("campaign-report", args=["pdf"]), {"unit": "cũ:344"}).status_code == 404


def test_announcement_page_flyer_and_sending(client, folded, officers, world):
    from datetime import timedelta

    from django.utils import timezone

    from cancuoc.campaigns import actions

    supervisor = officers["hung_yen"]
    team = actions.create_team(supervisor, code="LD-9", name="Tổ lưu động 9", unit=world.hung_yen)
    actions.plan_visit(supervisor, team, day=timezone.localdate() + timedelta(days=1), slot="morning",
                       unit=world.thai_thuy, place_kind="commune_hall", place_name="Nhà văn hóa thôn Đông")  # fmt: skip
    client.force_login(supervisor)
    url = reverse("campaign-announce")
    page = client.get(url, {"unit": "12730"})
    assert page.status_code == 200 and len(page.context["visits"]) == 1
    flyer = client.get(url, {"unit": "12730", "format": "pdf", "body_vi": "\x00<b>"})
    assert flyer.status_code == 200 and flyer.content.startswith(b"%PDF")
    assert client.get(url, {"unit": "33"}).status_code == 404  # announcements are per commune
    sent = client.post(url, {"unit": "12730", "body_vi": "Lịch thu nhận", "body_en": "Schedule"})
    assert sent.status_code == 302
    assert client.post(url, {"unit": "12730", "body_vi": "", "body_en": ""}).status_code == 200
