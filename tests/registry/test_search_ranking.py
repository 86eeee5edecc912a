"""Name search ranks by relevance (diacritics, whole words, word order, length), pages beyond the first
results in a stable order, and a number prefix finds the officer's citizens; each search costs a fixed
number of queries."""

import re

import pytest

from cancuoc.audit.models import AuditEntry
from cancuoc.registry.selectors import search_citizens
from tests.factories import CitizenFactory


def person(world, id_number, full_name, unit=None, **fields):
    *family_middle, given = full_name.split()
    family = family_middle[0] if family_middle else ""
    middle = " ".join(family_middle[1:])
    return CitizenFactory(id_number=id_number, family_name=family, middle_name=middle, given_name=given,
                          permanent_unit=unit or world.thai_thuy, **fields)  # fmt: skip


def names(result):
    return [c.full_name for c in result.citizens]


def test_typed_diacritics_rank_first_and_a_different_vowel_is_only_a_folded_match(officers, world):
    # Created first, so that an order by record puts them first.
    person(world, "034190300001", "Nguyễn Thị Vân")
    person(world, "034190300002", "Nguyễn Vân Anh")
    person(world, "034090300003", "Nguyễn Văn An")
    person(world, "034090300004", "Nguyễn Văn Bình")
    officer = officers["thai_thuy"]
    found = names(search_citizens(officer, "Nguyễn Văn"))
    assert found[:2] == ["Nguyễn Văn An", "Nguyễn Văn Bình"]  # "Văn" with its diacritics
    assert set(found[2:]) == {"Nguyễn Thị Vân", "Nguyễn Vân Anh"}  # "van" folded: found, but after
    # Typed the other way round: "Vân" is not "Văn".
    assert names(search_citizens(officer, "Nguyễn Vân"))[:2] == ["Nguyễn Thị Vân", "Nguyễn Vân Anh"]
    # Without diacritics every match is a folded one: all four, shorter names first.
    assert set(names(search_citizens(officer, "nguyen van"))) == set(found)


def test_a_set_of_names_comes_back_most_relevant_first(officers, world):
    expected = [
        "Nguyễn An",            # the whole name as typed, with diacritics
        "An Nguyễn",            # the same words in another order
        "Nguyễn Văn An",        # the words among others, in the typed order, shorter first
        "Nguyễn Thị Thu An",
        "An Văn Nguyễn",        # the words among others, in another order
        "Nguyễn Ân",            # the whole name without diacritics: "Ân" is not "An"
        "Nguyễn Thị Ân",        # among others, without diacritics
    ]  # fmt: skip
    # Created in reverse, so that an order by record is the reverse of the ranking.
    for index, full_name in enumerate(reversed(expected)):
        person(world, f"034090310{index:03d}", full_name)
    person(world, "034090310900", "Nguyễn Văn Anh")  # "An" is a whole word of others: "Anh" is not found
    assert names(search_citizens(officers["thai_thuy"], "Nguyễn An")) == expected


def test_the_last_word_is_the_start_of_a_word_while_typing(officers, world):
    person(world, "034090320001", "Trần Chu Hà")  # "hu" inside "Chu": a part of a word only
    person(world, "034090320002", "Trần Hữu Hưng")  # "Hữu" starts with "hu" but not with "hù"
    person(world, "034090320003", "Trần Văn Hùng")
    assert names(search_citizens(officers["thai_thuy"], "Trần Hù")) == ["Trần Văn Hùng", "Trần Hữu Hưng"]


@pytest.fixture
def many(world):
    # 120 people named Nguyễn, in an order unrelated to their records
    return [
        person(world, f"034090400{index:03d}", f"Nguyễn {middle} {given}")
        for index, (middle, given) in enumerate(
            (middle, given) for given in ("An", "Bình", "Cường", "Dũng", "Hà", "Lan")
            for middle in ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quang", "Thu", "Xuân", "Hồng",
                           "Kim", "Bảo", "Gia", "Mạnh", "Tuấn", "Thanh", "Hoàng", "Phương", "Thế", "Anh")
        )
    ]  # fmt: skip


def test_pages_follow_each_other_in_a_stable_order(officers, many):
    officer = officers["thai_thuy"]
    everyone = search_citizens(officer, "nguyen", limit=200)
    assert len(everyone.citizens) == 120 and not everyone.truncated and everyone.next_offset is None
    pages, offset = [], 0
    while offset is not None:
        page = search_citizens(officer, "nguyen", limit=50, offset=offset)
        assert page.offset == offset
        pages.append(page)
        offset = page.next_offset
    assert [len(page.citizens) for page in pages] == [50, 50, 20]
    assert [page.truncated for page in pages] == [True, True, False]
    assert [c for page in pages for c in page.citizens] == everyone.citizens
    # shorter names first, then alphabetical: not the order of the records
    assert everyone.citizens != sorted(everyone.citizens, key=lambda c: c.pk)
    lengths = [len(c.full_name) for c in everyone.citizens]
    assert lengths == sorted(lengths)


def test_the_api_pages_and_audits_each_page(client, officers, many):
    client.force_login(officers["thai_thuy"])
    first = client.get("/api/v1/citizens", {"q": "nguyen"}).json()
    second = client.get("/api/v1/citizens", {"q": "nguyen", "offset": first["next_offset"]}).json()
    assert (first["offset"], first["next_offset"], first["truncated"]) == (0, 50, True)
    assert (second["offset"], second["next_offset"]) == (50, 100)
    numbers = [r["id_number"] for r in first["results"] + second["results"]]
    assert len(set(numbers)) == 100
    returned = [entry.changes["returned"] for entry in AuditEntry.objects.filter(action="search").order_by("pk")]
    assert returned == [numbers[:50], numbers[50:]]
    assert client.get("/api/v1/citizens", {"q": "nguyen", "offset": -1}).status_code == 422


def test_the_search_page_links_the_next_and_previous_results_through_htmx(client, officers, many):
    client.force_login(officers["thai_thuy"])
    page = client.get("/citizens/", {"q": "nguyen", "offset": 50}).content.decode()
    assert re.search(r'<a href="\?q=nguyen&amp;offset=100" hx-get="\?q=nguyen&amp;offset=100"[^>]*rel="next"', page)
    assert re.search(r'<a href="\?q=nguyen&amp;offset=0"[^>]*rel="prev"', page)
    assert "<script>" not in page  # the strict CSP allows no inline script
    last = client.get("/citizens/", {"q": "nguyen", "offset": 100}, HTTP_HX_REQUEST="true").content.decode()
    assert 'rel="prev"' in last and 'rel="next"' not in last and last.count("<tr>") == 21


def test_a_number_prefix_finds_the_officers_citizens_and_old_numbers(officers, world):
    mine = person(world, "034090500001", "Lê Văn Một")
    other = person(world, "034090500002", "Lê Văn Hai", unit=world.dong_thuy_anh)
    person(world, "034090500003", "Lê Văn Ba", unit=world.ba_dinh)  # same prefix, outside the area
    old = person(world, "001090999999", "Lê Văn Bốn", old_id_number="034090500")
    officer = officers["thai_thuy"]
    in_commune = search_citizens(officer, "034090500").citizens
    assert in_commune == [old, mine]  # the old CMND number itself first
    assert search_citizens(officer, "0340905000").citizens == [mine]
    assert search_citizens(officer, "03409050000").citizens == [mine]
    assert search_citizens(officers["hung_yen"], "03409050000").citizens == [mine, other]
    assert search_citizens(officers["ba_dinh"], "0340905000").citizens == [
        c for c in search_citizens(officers["admin"], "0340905000").citizens if c.full_name == "Lê Văn Ba"
    ]
    assert search_citizens(officer, "03409050").citizens == []  # 8 digits: too short to be a number


def test_a_search_makes_the_same_few_queries_whatever_it_finds(officers, world, many,
                                                              django_assert_num_queries):  # fmt: skip
    from django.db import connection

    officer = officers["thai_thuy"]
    search_citizens(officer, "x")  # warm the caches of the user's area
    # the area's units, three tiers (whole name, word order, whole words), the page's rows
    with django_assert_num_queries(5):
        assert len(search_citizens(officer, "nguyen van").citizens) == 6
    with django_assert_num_queries(4):  # one word: no word-order tier; 120 found, the same count
        assert len(search_citizens(officer, "nguyen", offset=50).citizens) == 50
    # a word being typed: one more tier (on PostgreSQL inside a savepoint with its time budget set and reset)
    budget = 4 if connection.vendor == "postgresql" else 0
    # (the name typed from its start, then the last word starting any word of the name)
    with django_assert_num_queries(7 + budget):
        assert names(search_citizens(officer, "nguyen van cu")) == ["Nguyễn Văn Cường"]
    with django_assert_num_queries(2):  # the area's units, the number prefix
        assert len(search_citizens(officer, "0340904000").citizens) == 50
