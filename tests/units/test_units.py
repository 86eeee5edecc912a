from datetime import date

import pytest

from cancuoc.units.selectors import resolve_to_units_in_force, search_units, subtree


def test_type_ahead_ignores_diacritics_and_ranks_units_in_force_first(world):
    names = [u.name for u in search_units("thai thuy")]
    assert names[:2] == ["Xã Thái Thụy", "Huyện Thái Thụy"]
    assert [u.name for u in search_units("THÁI THỤY")][:2] == names[:2]
    assert [u.name for u in search_units("thuy anh")] == ["Xã Đông Thụy Anh"]
    assert [u.name for u in search_units("dong")] == ["Xã Đông Thụy Anh"]
    assert search_units("   ") == []


def test_type_ahead_can_keep_to_units_in_force(world):
    names = [u.name for u in search_units("thuy", in_force_on=date(2026, 1, 1))]
    assert "Huyện Thái Thụy" not in names and "Xã Thái Thụy" in names


def test_subtree_covers_every_depth(world):
    assert set(subtree(world.old_thai_binh)) == {
        world.old_thai_binh, world.old_thai_thuy, world.old_diem_dien, world.old_thuy_hai, world.old_thuy_truong
    }  # fmt: skip
    assert world.old_thai_binh.contains(world.old_thuy_hai)
    assert not world.hung_yen.contains(world.old_thuy_hai)


def test_old_units_resolve_to_todays(world):
    today = date(2026, 1, 1)
    assert resolve_to_units_in_force(world.old_diem_dien, today) == [world.thai_thuy]
    assert set(resolve_to_units_in_force(world.old_thuy_truong, today)) == {
        world.thai_thuy,
        world.dong_thuy_anh,
    }
    assert resolve_to_units_in_force(world.thai_thuy, today) == [world.thai_thuy]
    # Before the merger the old commune was itself in force.
    assert resolve_to_units_in_force(world.old_diem_dien, date(2024, 1, 1)) == [world.old_diem_dien]


def test_full_name_lists_the_ancestors(world):
    assert world.old_thuy_hai.full_name() == "Xã Thụy Hải, Huyện Thái Thụy, Tỉnh Thái Bình"


def test_an_old_address_resolves_to_todays_unit(world):
    from cancuoc.units.selectors import resolve_address_text

    named, today = resolve_address_text(
        "Thôn 3, Xã Thụy Hải, Huyện Thái Thụy, Tỉnh Thái Bình", date(2026, 1, 1)
    )
    assert named == world.old_thuy_hai and today == [world.thai_thuy]
    named, today = resolve_address_text("thi tran diem dien, thai thuy, thai binh", date(2026, 1, 1))
    assert named == world.old_diem_dien and today == [world.thai_thuy]
    named, today = resolve_address_text("Phường Ba Đình, Thành phố Hà Nội", date(2026, 1, 1))
    assert named == world.ba_dinh and today == [world.ba_dinh]
    assert resolve_address_text("Số 5, Nowhere", date(2026, 1, 1)) == (None, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P. Ba Đình, TP. Hà Nội", "ba_dinh"),
        ("p.Ba Đình, Tp Hà Nội", "ba_dinh"),
        ("Thôn 3, X. Thụy Hải, H. Thái Thụy, T. Thái Bình", None),  # "T." is not an abbreviation we read
        ("Thôn 3, X. Thụy Hải, H. Thái Thụy, Thái Bình", "old_thuy_hai"),
        ("TT. Diêm Điền, H Thái Thụy, Tỉnh Thái Bình", "old_diem_dien"),
    ],
)
def test_old_card_abbreviations_are_read(world, text, expected):
    from cancuoc.units.selectors import resolve_address_text

    named, _today = resolve_address_text(text, date(2026, 1, 1))
    assert named == (getattr(world, expected) if expected else None)


def test_expanding_an_abbreviation_leaves_names_alone():
    from cancuoc.units.selectors import expand_unit_abbreviation

    assert expand_unit_abbreviation("Q. 1") == "Quận 1"
    assert expand_unit_abbreviation("TX.Sơn Tây") == "Thị xã Sơn Tây"
    assert expand_unit_abbreviation("Hà Nội") == "Hà Nội" and expand_unit_abbreviation("Xuân Phương") == "Xuân Phương"


def test_the_address_resolver_route_is_not_shadowed_by_the_unit_route(client, officers, world):
    client.force_login(officers["thai_thuy"])
    response = client.get("/api/v1/units/resolve-address", {"text": "P. Ba Đình, TP. Hà Nội"})
    assert response.status_code == 200, response.content
    assert response.json()["named"]["id"] == world.ba_dinh.pk
    assert client.get(f"/api/v1/units/{world.ba_dinh.pk}").status_code == 200
