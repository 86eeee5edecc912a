"""DG2 (face), DG14 (chip authentication key) and DG15 (active authentication key).

DG2 wraps an ISO/IEC 19794-5 facial record (one face, JPEG or JPEG 2000) in the CBEFF structure of
ICAO 9303 Part 10: 75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E record } } }.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from asn1crypto import core, keys

from .lds import LdsError, children, emit, parse_tlv

JPEG, JPEG2000 = 0, 1


@dataclass(frozen=True)
class FaceImage:
    data: bytes
    image_format: int  # JPEG or JPEG2000
    width: int
    height: int
    gender: int = 0  # 0 unspecified, 1 male, 2 female
    face_image_type: int = 1  # 1 full frontal


def encode_face_record(face: FaceImage) -> bytes:
    """ISO/IEC 19794-5:2005 record with one face, no feature points."""
    image_info = struct.pack(
        ">BBHHBBHH", face.face_image_type, face.image_format, face.width, face.height, 1, 2, 0, 0
    )
    face_header = struct.pack(">IHBBB3sH3s3s", 20 + len(image_info) + len(face.data), 0, face.gender, 0, 0,
                              b"\x00\x00\x00", 0, b"\x00\x00\x00", b"\x00\x00\x00")  # fmt: skip
    body = face_header + image_info + face.data
    return b"FAC\x00010\x00" + struct.pack(">IH", 14 + len(body), 1) + body


def parse_face_record(record: bytes) -> FaceImage:
    if len(record) < 14 + 20 + 12 or record[:4] != b"FAC\x00":
        raise LdsError("not an ISO 19794-5 facial record")
    total, faces = struct.unpack(">IH", record[8:14])
    if faces < 1 or total > len(record):
        raise LdsError("facial record length or face count is wrong")
    block_length, points, gender = struct.unpack(">IHB", record[14:21])
    offset = 14 + 20 + points * 8
    if offset + 12 > len(record) or block_length > len(record) - 14:
        raise LdsError("truncated facial record")
    image_type, data_type, width, height = struct.unpack(">BBHH", record[offset : offset + 6])
    data = record[offset + 12 : 14 + block_length]
    if not data:
        raise LdsError("facial record without image data")
    # Trust the bytes over the declared type: real records (the ISO test record among them) declare
    # JPEG 2000 for JPEG data.
    if data.startswith(b"\xff\xd8"):
        data_type = JPEG
    elif data.startswith((b"\x00\x00\x00\x0cjP", b"\xff\x4f\xff\x51")):
        data_type = JPEG2000
    return FaceImage(data, data_type, width, height, gender, image_type)


def encode_dg2(face: FaceImage) -> bytes:
    header = emit(
        0xA1, emit(0x81, b"\x02") + emit(0x82, b"\x00") + emit(0x87, b"\x01\x01") + emit(0x88, b"\x00\x08")
    )
    instance = emit(0x7F60, header + emit(0x5F2E, encode_face_record(face)))
    return emit(0x75, emit(0x7F61, emit(0x02, b"\x01") + instance))


def parse_dg2(data: bytes) -> FaceImage:
    outer, _rest = parse_tlv(data)
    if outer.tag != 0x75:
        raise LdsError(f"DG2 must start with tag 75, not {outer.tag:X}")
    group = next((item for item in children(outer.value) if item.tag == 0x7F61), None)
    if group is None:
        raise LdsError("DG2 has no biometric information group (7F61)")
    for template in children(group.value):
        if template.tag != 0x7F60:
            continue
        for item in children(template.value):
            if item.tag in (0x5F2E, 0x7F2E):
                return parse_face_record(item.value)
    raise LdsError("DG2 has no facial record (5F2E)")


def encode_dg15(public_key_der: bytes) -> bytes:
    """DG15: the active-authentication public key (SubjectPublicKeyInfo)."""
    if not public_key_der.startswith(b"\x30"):
        raise LdsError("DG15 needs a DER SubjectPublicKeyInfo")
    return emit(0x6F, public_key_der)


def parse_dg15(data: bytes) -> keys.PublicKeyInfo:
    outer, _rest = parse_tlv(data)
    if outer.tag != 0x6F:
        raise LdsError(f"DG15 must start with tag 6F, not {outer.tag:X}")
    try:
        info = keys.PublicKeyInfo.load(outer.value)
        info.native  # noqa: B018 - parses every field now, so garbage fails here
    except (ValueError, TypeError) as error:
        raise LdsError(f"DG15 does not hold a public key: {error}") from error
    return info


CA_PUBLIC_KEY_OID = "0.4.0.127.0.7.2.2.1.2"  # id-PK-ECDH
CA_ECDH_AES_CBC_CMAC_128 = "0.4.0.127.0.7.2.2.3.2.2"  # id-CA-ECDH-AES-CBC-CMAC-128


_CA_PUBLIC_KEY_OID_DER = core.ObjectIdentifier(CA_PUBLIC_KEY_OID).dump()
_CA_INFO_DER = emit(0x30, core.ObjectIdentifier(CA_ECDH_AES_CBC_CMAC_128).dump() + core.Integer(1).dump())


def encode_dg14(chip_authentication_key_der: bytes) -> bytes:
    """DG14: SecurityInfos with the chip-authentication public key and the protocol it supports."""
    public_key_info = emit(0x30, _CA_PUBLIC_KEY_OID_DER + chip_authentication_key_der)
    return emit(0x6E, emit(0x31, public_key_info + _CA_INFO_DER))


def parse_dg14(data: bytes) -> list[str]:
    """The protocol OIDs announced in DG14."""
    outer, _rest = parse_tlv(data)
    if outer.tag != 0x6E:
        raise LdsError(f"DG14 must start with tag 6E, not {outer.tag:X}")
    (security_infos,) = children(outer.value)[:1] or [None]
    if security_infos is None or security_infos.tag != 0x31:
        raise LdsError("DG14 does not hold a SET of SecurityInfos")
    oids = []
    for info in children(security_infos.value):
        parts = children(info.value)
        if not parts or parts[0].tag != 0x06:
            raise LdsError("SecurityInfo without a protocol OID")
        oids.append(core.ObjectIdentifier.load(emit(0x06, parts[0].value)).dotted)
    return oids
