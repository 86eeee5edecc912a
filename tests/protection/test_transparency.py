"""Everything that reads the encrypted fields still gets the plain values: search, pages, API, export, card."""

import csv
import io
from datetime import date

from cancuoc.cards.services import personalise_citizen
from cancuoc.icao import lds
from cancuoc.imports.exporting import citizens_for_export, write_csv
from cancuoc.registry import selectors
from tests.cards.conftest import pki_dir  # noqa: F401 (fixture)

from .conftest import SENSITIVE, new_citizen


def test_search_page_and_api_give_plain_values(client, officers):
    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    found = selectors.search_citizens(officer, "Nguyễn Thị Thúy").citizens
    assert [c.id_number for c in found] == [citizen.id_number] and found[0].ethnicity == "Tày"
    client.force_login(officer)
    page = client.get(f"/citizens/{citizen.id_number}/").content.decode()
    for value in (
        "Tày",
        "Phật giáo Hòa Hảo",
        "Nguyễn Văn Bình",
        "Lê Thị Cúc",
        "Trần Quốc Dũng",
        "Maria Thúy",
    ):
        assert value in page, value
    assert "enc1:" not in page
    data = client.get(f"/api/v1/citizens/{citizen.id_number}").json()
    assert {name: data[name] for name in SENSITIVE} == SENSITIVE
    changed = client.patch(f"/api/v1/citizens/{citizen.id_number}", {"religion": "Cao Đài", "reason": "đính chính"},
                           content_type="application/json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["religion"] == "Cao Đài"


def test_export_writes_plain_values(officers):
    officer = officers["thai_thuy"]
    new_citizen(officer)
    out = io.StringIO()
    write_csv(citizens_for_export(officer, None), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert "Tày" in rows[1] and "Phật giáo Hòa Hảo" in rows[1] and "Nguyễn Văn Bình" in rows[1]
    assert "enc1:" not in out.getvalue()


def test_the_chip_carries_plain_values(pki_dir, officers):  # noqa: F811
    citizen = new_citizen(officers["thai_thuy"])
    card = personalise_citizen(officers["production"], citizen.id_number, issue_date=date(2026, 11, 2),
                               with_faces=False)  # fmt: skip
    dg13 = lds.parse_dg13(card.files["DG13.bin"])
    assert dg13["ethnicity"] == "Tày" and dg13["religion"] == "Phật giáo Hòa Hảo"
    assert dg13["parents"] == ("Nguyễn Văn Bình", "Lê Thị Cúc") and dg13["spouse"] == "Trần Quốc Dũng"
