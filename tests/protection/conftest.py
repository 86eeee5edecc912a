import pytest

from cancuoc import keyring
from cancuoc.protection import crypto
from cancuoc.registry import actions

SENSITIVE = {
    "ethnicity": "Tày", "religion": "Phật giáo Hòa Hảo", "blood_type": "AB", "other_names": "Maria Thúy",
    "father_name": "Nguyễn Văn Bình", "mother_name": "Lê Thị Cúc", "spouse_name": "Trần Quốc Dũng",
}  # fmt: skip


def new_citizen(officer, id_number="034190000321", **overrides):
    raw = {"id_number": id_number, "family_name": "Nguyễn", "middle_name": "Thị", "given_name": "Thuý",
           "birth_date": "15/03/1990", "sex": "Nữ", "permanent_unit_code": "12730",
           "birth_registration_unit_code": "34", **SENSITIVE, **overrides}  # fmt: skip
    return actions.create_citizen(officer, raw, reason="đăng ký mới")


@pytest.fixture
def own_keys(tmp_path, monkeypatch):
    """A keys folder of this test's own, so that rotating keys here leaves other tests' keys alone."""
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "keys"))
    yield tmp_path / "keys"
    crypto.forget_cached_keys()
    keyring.forget_cached_keys()
