"""The officer's list of citizens, the data-quality worklists, the dashboard's links to them and the
duplicate review page."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cancuoc.audit.models import AuditEntry
from cancuoc.registry import quality
from cancuoc.registry.models import AllocatedIdNumber, Citizen, NotDuplicatePair, QualityFlag
from cancuoc.registry.views_lists import AGE_BANDS, PAGE_SIZE, birth_date_range, years_before
from cancuoc.rules.people import age_on
from cancuoc.units.selectors import invalidate_unit_index
from tests.factories import CitizenFactory

Code = QualityFlag.Code
LIST = "/citizens/list/"


@pytest.fixture(autouse=True)
def _forget_the_unit_index():
    yield
    invalidate_unit_index()


def numbers(response) -> list[str]:
    return [c.id_number for c in response.context["page"].citizens]


def test_the_list_and_worklist_urls_are_not_taken_for_id_numbers():
    from django.urls import resolve

    assert resolve(LIST).url_name == "citizen-list"
    assert resolve("/citizens/quality/duplicate/").url_name == "quality-worklist"
    assert resolve("/citizens/quality/duplicates/12/").url_name == "duplicate-review"
    assert resolve("/citizens/034090000001/extract.pdf").url_name == "citizen-extract"
    assert resolve("/citizens/034090000001/").url_name == "citizen-detail"


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2028, 2, 29), date(2027, 2, 28), date(2027, 3, 1)])
def test_age_bands_as_birth_date_ranges_agree_with_the_age_rule(today):
    # every birth date over 70 years around the bands' edges falls in exactly the band of its age
    for offset in range(0, 366 * 70, 7):
        for extra in (0, 1, 2, 3):
            birth = date.fromordinal(today.toordinal() - offset - extra)
            age = age_on(birth, today)
            inside = []
            for band in AGE_BANDS:
                born_after, born_by = birth_date_range(band, today)
                if birth <= born_by and (born_after is None or birth > born_after):
                    inside.append(band)
            youngest_oldest = [AGE_BANDS[band] for band in inside]
            assert len(inside) == 1, (birth, inside)
            low, high = youngest_oldest[0]
            assert low <= age and (high is None or age <= high), (birth, age, inside)
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_the_list_filters_by_age_sex_residence_flag_and_unit(client, world, officers):
    today = date.today()
    child = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=years_before(today, 3), given_name="Bé")
    woman = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=years_before(today, 30), sex="F", given_name="Lan")
    lodger = CitizenFactory(permanent_unit=world.ba_dinh, temporary_unit=world.thai_thuy, birth_date=years_before(today, 45))
    elder = CitizenFactory(permanent_unit=world.dong_thuy_anh, birth_date=years_before(today, 60))
    CitizenFactory(permanent_unit=world.ba_dinh)  # outside the commune officer's and the supervisor's area
    QualityFlag.objects.create(citizen=woman, code=Code.MISSING_FIELDS, detail="ethnicity")
    client.force_login(officers["thai_thuy"])
    assert set(numbers(client.get(LIST))) == {child.id_number, woman.id_number, lodger.id_number}
    assert numbers(client.get(LIST, {"age": "0-5"})) == [child.id_number]
    assert numbers(client.get(LIST, {"age": "25-39", "sex": "F"})) == [woman.id_number]
    assert numbers(client.get(LIST, {"sex": "F", "age": "0-5"})) == []
    assert numbers(client.get(LIST, {"residence": "temporary"})) == [lodger.id_number]
    assert set(numbers(client.get(LIST, {"residence": "permanent"}))) == {child.id_number, woman.id_number}
    assert numbers(client.get(LIST, {"flag": Code.MISSING_FIELDS})) == [woman.id_number]
    client.force_login(officers["hung_yen"])
    assert numbers(client.get(LIST, {"age": "60+"})) == [elder.id_number]
    assert numbers(client.get(LIST, {"unit": world.dong_thuy_anh.pk})) == [elder.id_number]
    assert len(numbers(client.get(LIST))) == 4


@pytest.mark.parametrize(
    "query",
    [{"age": "3-7"}, {"sex": "X"}, {"residence": "abroad"}, {"flag": "nope"}, {"unit": "abc"}, {"unit": "99999999"},
     {"after": "-1"}, {"before": "1e9"}, {"age": "0-5", "sex": "<script>"}],
)
def test_a_bad_filter_value_is_a_bilingual_error_not_an_unfiltered_page(client, world, officers, query):
    CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert response.context["page"] is None and response.context["filters"].problems
    text = response.content.decode()
    assert "không hợp lệ" in text and "Invalid value" in text and "<script>" not in text
    assert not AuditEntry.objects.filter(event="citizens_listed").exists()


def test_the_bad_filter_is_named_in_each_language(client, world, officers):
    client.force_login(officers["thai_thuy"])
    text = client.get(LIST, {"age": "3-7"}).content.decode()
    assert "Giá trị lọc “độ tuổi” không hợp lệ: 3-7" in text and "Invalid value for the filter “age”: 3-7" in text


def test_a_unit_outside_the_area_is_refused_like_a_missing_one(client, world, officers):
    CitizenFactory(permanent_unit=world.ba_dinh)
    client.force_login(officers["thai_thuy"])
    assert client.get(LIST, {"unit": world.ba_dinh.pk}).status_code == 400
    assert client.get(LIST, {"unit": world.hung_yen.pk}).status_code == 400  # above the officer's commune


def test_keyset_pages_walk_the_whole_list_in_name_order_without_repeats(client, world, officers):
    names = ["An", "Bình", "Chi", "Dũng", "Hà", "Hạ", "Lan"]
    for index in range(PAGE_SIZE * 2 + 5):
        CitizenFactory(permanent_unit=world.thai_thuy, given_name=names[index % len(names)])
    client.force_login(officers["thai_thuy"])
    seen, response = [], client.get(LIST)
    pages = 0
    while True:
        pages += 1
        seen += numbers(response)
        after = response.context["page"].next_after
        if after is None:
            break
        response = client.get(LIST, {"after": after})
    assert pages == 3 and len(seen) == len(set(seen)) == PAGE_SIZE * 2 + 5
    expected = list(Citizen.objects.order_by("name_folded", "pk").values_list("id_number", flat=True))
    assert seen == expected
    back = client.get(LIST, {"before": response.context["page"].previous_before})
    assert numbers(back) == expected[PAGE_SIZE : PAGE_SIZE * 2]
    assert numbers(client.get(LIST, {"before": back.context["page"].previous_before})) == expected[:PAGE_SIZE]


def test_the_list_is_audited_as_a_read_with_its_filters_and_the_numbers_shown(client, world, officers):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy, sex="F")
    client.force_login(officers["thai_thuy"])
    client.get(LIST, {"sex": "F"})
    entry = AuditEntry.objects.get(event="citizens_listed")
    assert entry.actor_username == "officer_thai_thuy" and entry.action == "search"
    assert entry.changes == {"filters": {"age": "", "sex": "F", "residence": "", "flag": "", "unit": None,
                                         "after": None, "before": None}, "returned": [citizen.id_number]}  # fmt: skip


def test_roles_without_registry_access_get_no_list(client, officers):
    client.force_login(officers["auditor"])
    assert client.get(LIST).status_code == 403
    assert client.get("/citizens/quality/duplicate/").status_code == 403


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [LIST, "/citizens/quality/missing_fields/"])
def test_the_list_runs_the_same_queries_for_three_rows_or_fifty(client, world, officers, url):
    def add(count):
        for _ in range(count):
            citizen = CitizenFactory(permanent_unit=world.thai_thuy, temporary_unit=world.dong_thuy_anh)
            QualityFlag.objects.create(citizen=citizen, code=Code.MISSING_FIELDS, detail="family_name")
            QualityFlag.objects.create(citizen=citizen, code=Code.LEGACY_BIRTH_DATE, detail="1990")

    client.force_login(officers["hung_yen"])
    add(3)
    client.get(url)  # warm the per-process caches
    small = _queries(client, url, {"unit": world.thai_thuy.pk, "age": "25-39"})
    add(60)
    assert _queries(client, url, {"unit": world.thai_thuy.pk, "age": "25-39"}) == small
    after = client.get(url).context["page"].next_after
    assert _queries(client, url, {"after": after}) <= small + 1  # the cursor row's name


def test_a_worklist_shows_one_flag_in_words_and_an_unknown_code_is_not_found(client, world, officers):
    missing = CitizenFactory(permanent_unit=world.thai_thuy, family_name="")
    QualityFlag.objects.create(citizen=missing, code=Code.MISSING_FIELDS, detail="family_name, ethnicity")
    QualityFlag.objects.create(citizen=missing, code=Code.LEGACY_BIRTH_DATE, detail="1990")
    CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    response = client.get("/citizens/quality/missing_fields/")
    assert numbers(response) == [missing.id_number]
    text = response.content.decode()
    assert "Thiếu: họ, dân tộc" in text or "Missing: family name, ethnicity" in text
    assert "family_name" not in text and "missing_fields</" not in text
    assert client.get("/citizens/quality/not_a_code/").status_code == 404
    assert client.get("/citizens/quality/missing_fields/", {"flag": "duplicate"}).status_code == 200  # fixed by the path


def test_every_dashboard_count_links_to_its_worklist_in_the_unit_clicked(client, world, officers):
    for _ in range(2):
        citizen = CitizenFactory(permanent_unit=world.thai_thuy)
        QualityFlag.objects.create(citizen=citizen, code=Code.OUTSIDE_LIST, detail="Khác: X")
    other = CitizenFactory(permanent_unit=world.dong_thuy_anh)
    QualityFlag.objects.create(citizen=other, code=Code.OUTSIDE_LIST, detail="Khác: Y")
    client.force_login(officers["hung_yen"])
    text = client.get("/").content.decode()
    link = f'/citizens/quality/outside_list/?unit={world.thai_thuy.pk}&amp;residence=permanent'
    assert link in text
    for code in Code.values:
        assert f'href="/citizens/quality/{code}/"' in text
    listed = client.get("/citizens/quality/outside_list/", {"unit": world.thai_thuy.pk, "residence": "permanent"})
    assert listed.context["page"].count == 2
    assert client.get("/citizens/quality/outside_list/").context["page"].count == 3


@pytest.fixture
def twins(world):
    left = CitizenFactory(id_number="034090900011", permanent_unit=world.thai_thuy, ethnicity="Kinh")
    right = CitizenFactory(id_number="034090900012", permanent_unit=world.thai_thuy, ethnicity="Tày",
                           marital_status="married")  # fmt: skip
    AllocatedIdNumber.objects.bulk_create([AllocatedIdNumber(number=left.id_number), AllocatedIdNumber(number=right.id_number)])
    quality.flag_duplicates()
    return left, right


def review(citizen) -> str:
    return f"/citizens/quality/duplicates/{citizen.pk}/"


def test_the_pair_side_by_side_shows_differences_in_words(client, officers, twins):
    left, right = twins
    client.force_login(officers["thai_thuy"])
    response = client.get(review(left))
    assert response.status_code == 200 and response.context["twin"].pk == right.pk
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["ethnicity"]["differs"] and rows["ethnicity"]["left"] == "Kinh" and rows["ethnicity"]["right"] == "Tày"
    assert not rows["given_name"]["differs"]
    assert rows["marital_status"]["right"] in ("Đã kết hôn", "Married")
    assert rows["permanent_unit"]["left"] == world_name(left)
    assert not response.context["can_merge"]  # a commune officer sees the pair, cannot merge it
    assert AuditEntry.objects.filter(event="citizen_viewed", reason="duplicate review").count() == 2


def world_name(citizen) -> str:
    return citizen.permanent_unit.full_name()


def test_the_review_of_a_record_outside_the_area_is_not_found(client, officers, twins):
    left, _right = twins
    client.force_login(officers["ba_dinh"])
    assert client.get(review(left)).status_code == 404
    assert client.get("/citizens/quality/duplicates/999999/").status_code == 404


def test_a_twin_outside_the_area_is_not_shown(client, world, officers):
    mine = CitizenFactory(id_number="034090900021", permanent_unit=world.thai_thuy)
    CitizenFactory(id_number="001090900022", permanent_unit=world.ba_dinh)
    quality.flag_duplicates()
    client.force_login(officers["thai_thuy"])
    response = client.get(review(mine))
    assert response.context["twin"] is None and response.context["hidden"] == 1
    assert "001090900022" not in response.content.decode()


def test_a_supervisor_merges_from_the_page(client, officers, twins):
    left, right = twins
    client.force_login(officers["hung_yen"])
    response = client.post(review(left), {
        "twin": right.pk, "keep": left.pk, "version_left": left.version, "version_right": right.version,
        "take_ethnicity": "right", "take_marital_status": "right", "reason": "cùng một người", "action": "merge", "confirm_merge": "yes"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/citizens/{left.id_number}/"
    left.refresh_from_db()
    assert left.ethnicity == "Tày" and left.marital_status == "married"
    assert Citizen.objects.get(pk=right.pk).merged_into_id == left.pk
    kept_page = client.get(f"/citizens/{left.id_number}/").content.decode()
    assert f"/citizens/{right.id_number}/" in kept_page and right.id_number in kept_page
    merged_page = client.get(f"/citizens/{right.id_number}/")
    assert merged_page.status_code == 200
    assert left.id_number in merged_page.content.decode()
    assert merged_page.context["citizen"].merged_into_id == left.pk
    # a double submit finds no twin left: nothing more happens
    again = client.post(review(left), {"twin": right.pk, "keep": left.pk, "version_left": 2, "version_right": 2,
                                       "reason": "cùng một người", "action": "merge", "confirm_merge": "yes"})  # fmt: skip
    assert again.status_code == 200 and AuditEntry.objects.filter(event="citizens_merged").count() == 2


def test_a_refused_merge_shows_the_page_again_with_what_was_typed(client, officers, twins):
    left, right = twins
    client.force_login(officers["hung_yen"])
    response = client.post(review(left), {
        "twin": right.pk, "keep": right.pk, "version_left": left.version, "version_right": right.version + 5,
        "take_ethnicity": "left", "reason": "lý do của tôi", "action": "merge", "confirm_merge": "yes"})  # fmt: skip
    assert response.status_code == 422
    text = response.content.decode()
    assert "lý do của tôi" in text and "tải lại" in text
    assert not Citizen.objects.filter(merged_into__isnull=False).exists()


def test_not_a_duplicate_from_the_page(client, officers, twins):
    left, right = twins
    client.force_login(officers["hung_yen"])
    response = client.post(review(right), {"twin": left.pk, "reason": "hai người khác nhau", "action": "dismiss"})
    assert response.status_code == 302
    assert NotDuplicatePair.objects.count() == 1 and not QualityFlag.objects.filter(code=Code.SUSPECTED_DUPLICATE).exists()


def test_a_commune_officer_cannot_post_a_merge(client, officers, twins):
    left, right = twins
    client.force_login(officers["thai_thuy"])
    response = client.post(review(left), {"twin": right.pk, "keep": left.pk, "version_left": 1, "version_right": 1,
                                          "reason": "x", "action": "merge", "confirm_merge": "yes"})  # fmt: skip
    assert response.status_code == 403
    assert not Citizen.objects.filter(merged_into__isnull=False).exists()


def test_a_national_admin_lists_nationwide_and_narrows_to_a_province(client, world, officers):
    north = CitizenFactory(permanent_unit=world.ba_dinh)
    east = CitizenFactory(permanent_unit=world.thai_thuy)
    nowhere = CitizenFactory()  # no residence at all: nationwide only
    client.force_login(officers["admin"])
    assert set(numbers(client.get(LIST))) == {north.id_number, east.id_number, nowhere.id_number}
    assert numbers(client.get(LIST, {"unit": world.ha_noi.pk})) == [north.id_number]
    assert set(numbers(client.get(LIST, {"residence": "permanent"}))) == {north.id_number, east.id_number}
    offered = [unit.pk for unit in client.get(LIST).context["units"]]
    assert world.ha_noi.pk in offered and world.hung_yen.pk in offered and world.ba_dinh.pk not in offered


def test_garbage_in_the_merge_form_merges_nothing(client, officers, twins):
    left, right = twins
    client.force_login(officers["hung_yen"])
    response = client.post(review(left), {"twin": "abc", "keep": "'; DROP TABLE x", "version_left": "x",
                                          "version_right": "", "take_ethnicity": "sideways", "reason": "x" * 5000,
                                          "action": "merge", "confirm_merge": "yes"})  # fmt: skip
    assert response.status_code == 422
    assert not Citizen.objects.filter(merged_into__isnull=False).exists()
    assert client.post(review(left), {"twin": right.pk, "action": "dismiss", "reason": ""}).status_code == 422
    assert not NotDuplicatePair.objects.exists()


def test_the_flagged_count_links_to_the_list_of_every_flagged_citizen(client, world, officers):
    twice = CitizenFactory(permanent_unit=world.thai_thuy)
    QualityFlag.objects.create(citizen=twice, code=Code.MISSING_FIELDS, detail="ethnicity")
    QualityFlag.objects.create(citizen=twice, code=Code.LEGACY_BIRTH_DATE, detail="1990")
    once = CitizenFactory(permanent_unit=world.thai_thuy)
    QualityFlag.objects.create(citizen=once, code=Code.OUTSIDE_LIST, detail="Khác: X")
    CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["hung_yen"])
    link = f"/citizens/list/?unit={world.thai_thuy.pk}&amp;residence=permanent&amp;flag=any"
    assert f'href="{link}">2</a>' in client.get("/").content.decode()
    listed = client.get(LIST, {"unit": world.thai_thuy.pk, "residence": "permanent", "flag": "any"})
    assert sorted(numbers(listed)) == sorted([twice.id_number, once.id_number])  # each once, however many flags
