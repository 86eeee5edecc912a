
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cancuoc.icao import biometrics
from cancuoc.icao.lds import LdsError
from tests.icao.vectors import VECTORS, needs_vectors


@needs_vectors
def test_iso_19794_5_test_record_yields_its_jpeg():
    face = biometrics.parse_face_record((VECTORS / "face_records/ISO19794_Test1_Data.bin").read_bytes())
    assert face.data.startswith(b"\xff\xd8") and face.image_format == biometrics.JPEG
    assert face.data == (VECTORS / "face_records/ISO19794_Test1_Face.jpg").read_bytes()


@needs_vectors
def test_real_dg2_and_our_round_trip():
    german = biometrics.parse_dg2((VECTORS / "bsi_tr03105_5/Datagroup2.bin").read_bytes())
    assert german.width > 0 and len(german.data) > 1000
    ours = biometrics.FaceImage(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9", biometrics.JPEG, 413, 531, gender=2)
    assert biometrics.parse_dg2(biometrics.encode_dg2(ours)) == ours


@needs_vectors
def test_dg14_and_dg15_carry_the_chip_keys():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert biometrics.parse_dg15(biometrics.encode_dg15(der)).dump() == der
    assert biometrics.CA_ECDH_AES_CBC_CMAC_128 in biometrics.parse_dg14(biometrics.encode_dg14(der))
    real = biometrics.parse_dg15((VECTORS / "bsi_tr03105_5/Datagroup15.bin").read_bytes())
    assert real.algorithm == "rsa"
    assert "0.4.0.127.0.7.2.2.1.2" in biometrics.parse_dg14(
        (VECTORS / "bsi_tr03105_5/Datagroup14.bin").read_bytes()
    )


@pytest.mark.parametrize("data", [b"", b"\x75\x00", b"\x6f\x03abc", b"FAC\x00" + b"\x00" * 50])
def test_garbage_is_refused_with_a_reason(data):
    for function in (
        biometrics.parse_dg2,
        biometrics.parse_dg15,
        biometrics.parse_dg14,
        biometrics.parse_face_record,
    ):
        with pytest.raises(LdsError):
            function(data)
