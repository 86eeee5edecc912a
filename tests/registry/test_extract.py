"""The printable record extract: a valid A4 PDF with the record as words, the household, who printed it."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cancuoc.audit.models import AuditEntry
from cancuoc.units.selectors import invalidate_unit_index
from tests.factories import CitizenFactory, HouseholdFactory


@pytest.fixture(autouse=True)
def _forget_the_unit_index():
    yield
    invalidate_unit_index()


@pytest.fixture
def family(world):
    household = HouseholdFactory(unit=world.thai_thuy, number="HK00000777", address="Thôn Đông, số 5")
    head = CitizenFactory(id_number="034190900031", family_name="Trần", middle_name="Thị", given_name="Hường",
                          sex="F", birth_date=date(1985, 2, 9), permanent_unit=world.thai_thuy,
                          permanent_address="Thôn Đông", household=household, relation_to_head="head",
                          ethnicity="Kinh", religion="Phật giáo", marital_status="married")  # fmt: skip
    child = CitizenFactory(id_number="034090900032", family_name="Phạm", middle_name="Đức", given_name="Lữ",
                           birth_date=date(2012, 11, 30), permanent_unit=world.thai_thuy, household=household,
                           relation_to_head="child")  # fmt: skip
    household.head = head
    household.save()
    return head, child


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_extract_is_an_a4_pdf_with_the_record_in_words_and_the_household(client, officers, family):
    head, child = family
    client.force_login(officers["thai_thuy"])
    response = client.get(f"/citizens/{head.id_number}/extract.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    content = response.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(content))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    fonts = {str(font) for page in reader.pages for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()["/BaseFont"]]}  # fmt: skip
    assert any("DejaVuSans" in name for name in fonts)  # embedded, so every diacritic prints
    text = pdf_text(content)
    assert "Trần Thị Hường" in text and "Phạm Đức Lữ" in text  # the name with its diacritics, and a member
    assert "09/02/1985" in text and "30/11/2012" in text  # dd/mm/yyyy
    assert "HK00000777" in text and "Thôn Đông, số 5" in text
    assert "Phật giáo" in text and ("Nữ" in text or "Female" in text)
    assert "Xã Thái Thụy, Tỉnh Hưng Yên" in text
    assert "officer_thai_thuy" in text and "Xã Thái Thụy" in text
    assert "married" not in text  # codes appear as words
    entry = AuditEntry.objects.get(event="citizen_extract_printed")
    assert entry.object_id == head.id_number and entry.action == "read"
    assert entry.changes["household_members"] == [head.id_number, child.id_number]


def test_out_of_area_and_missing_numbers_are_not_found_and_the_probe_is_audited(client, officers, family):
    head, _child = family
    client.force_login(officers["ba_dinh"])
    assert client.get(f"/citizens/{head.id_number}/extract.pdf").status_code == 404
    assert client.get("/citizens/000000000000/extract.pdf").status_code == 404
    assert client.get("/citizens/<script>/extract.pdf").status_code == 404
    assert not AuditEntry.objects.filter(event="citizen_extract_printed").exists()
    assert AuditEntry.objects.filter(event="citizen_lookup_refused", object_id=head.id_number,
                                     reason="record extract").exists()  # fmt: skip


def test_roles_without_the_registry_get_not_found(client, officers, family):
    head, _child = family
    client.force_login(officers["auditor"])
    assert client.get(f"/citizens/{head.id_number}/extract.pdf").status_code == 404


def test_an_extract_in_english_has_english_labels_and_the_same_data(client, officers, family):
    head, _child = family
    client.force_login(officers["thai_thuy"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = pdf_text(client.get(f"/citizens/{head.id_number}/extract.pdf").content)
    assert "Trần Thị Hường" in text and "Date of birth" in text and "09/02/1985" in text
