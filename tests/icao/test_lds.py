
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.icao import lds, mrz
from tests.icao.vectors import VECTORS, needs_vectors


@needs_vectors
def test_ef_com_round_trip_and_real_documents():
    encoded = lds.encode_ef_com([1, 2, 13, 14, 15, 3])
    assert lds.parse_ef_com(encoded) == lds.EfCom("0107", "040000", (1, 2, 3, 13, 14, 15))
    bsi = lds.parse_ef_com((VECTORS / "bsi_tr03105_5/EF_COM.bin").read_bytes())
    assert bsi.data_groups == (1, 2, 3, 4, 14) and bsi.lds_version == "0107"
    dutch = lds.parse_ef_com((VECTORS / "jmrtd/loes2006/ef011E.bin").read_bytes())
    assert dutch.data_groups == (1, 2, 15)


@needs_vectors
def test_dg1_holds_the_mrz():
    lines = mrz.encode(
        mrz.MrzData("001090012345", "Nguyễn", "Văn An", __import__("datetime").date(1990, 3, 15), "M", None)
    )
    assert lds.split_mrz(lds.parse_dg1(lds.encode_dg1(lines))) == list(lines)
    german = lds.parse_dg1((VECTORS / "bsi_tr03105_5/Datagroup1.bin").read_bytes())
    assert german.startswith("P<D<<MUSTERMANN<<ERIKA") and len(german) == 88


def test_dg13_round_trip_omits_empty_fields():
    values = {"id_number": "001090012345", "full_name": "Nguyễn Văn An", "birth_date": "15/03/1990", "sex": "Nam",
              "parents": ("Nguyễn Văn Bình", "Lê Thị Hòa"), "spouse": "", "religion": ""}  # fmt: skip
    parsed = lds.parse_dg13(lds.encode_dg13(values))
    assert parsed == {"id_number": "001090012345", "full_name": "Nguyễn Văn An", "birth_date": "15/03/1990",
                      "sex": "Nam", "parents": ("Nguyễn Văn Bình", "Lê Thị Hòa")}  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x61",
        b"\x61\x05\x5f\x1f",
        b"\x61\x84\xff\xff\xff\xff" + b"x" * 10,
        b"\x60\x00",
        b"\x30\x80\x00",
        b"\xff" * 8,
    ],
)
def test_hostile_input_gives_a_reason_not_a_crash(data):
    for function in (lds.parse_dg1, lds.parse_ef_com, lds.parse_dg13):
        with pytest.raises(lds.LdsError):
            function(data)


@given(st.binary(max_size=300))
def test_fuzzed_bytes_never_escape_as_another_exception(data):
    for function in (lds.parse_dg1, lds.parse_ef_com, lds.parse_dg13):
        try:
            function(data)
        except lds.LdsError:
            pass
