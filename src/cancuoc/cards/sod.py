"""EF.SOD: the Document Security Object, a CMS SignedData over an LDSSecurityObject that holds the hash
of every data group (ICAO 9303 Part 10 and 11). Building and reading; verification is in
``cancuoc.cards.verify``. asn1crypto parses BER (indefinite lengths) as real documents use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import algos, cms, core, x509

from .lds import LdsError, parse_tlv

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
cms.ContentType._map[LDS_SECURITY_OBJECT_OID] = "ldsSecurityObject"


class DataGroupHash(core.Sequence):
    _fields = [("dataGroupNumber", core.Integer), ("dataGroupHashValue", core.OctetString)]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [("ldsVersion", core.PrintableString), ("unicodeVersion", core.PrintableString)]


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hashAlgorithm", algos.DigestAlgorithm),
        ("dataGroupHashValues", DataGroupHashes),
        ("ldsVersionInfo", LdsVersionInfo, {"optional": True}),
    ]


class SodError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedSod:
    signed_data: cms.SignedData
    econtent: bytes
    hash_algorithm: str
    dg_hashes: dict[int, bytes]
    certificate: x509.Certificate | None
    signer_info: cms.SignerInfo


def parse_sod(data: bytes) -> ParsedSod:
    try:
        outer, _rest = parse_tlv(data)
    except LdsError as error:
        raise SodError(str(error)) from error
    if outer.tag != 0x77:
        raise SodError(f"EF.SOD must start with tag 77, not {outer.tag:X}")
    try:
        info = cms.ContentInfo.load(outer.value)
        if info["content_type"].native != "signed_data":
            raise SodError("EF.SOD does not hold a CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
            raise SodError(f"the signed content is {encap['content_type'].dotted}, not an LDSSecurityObject")
        econtent = bytes(encap["content"].native)
        lds = LdsSecurityObject.load(econtent)
        hash_algorithm = lds["hashAlgorithm"]["algorithm"].native
        hashes = {
            item["dataGroupNumber"].native: item["dataGroupHashValue"].native
            for item in lds["dataGroupHashValues"]
        }
        certificates = [c.chosen for c in signed["certificates"]] if len(signed["certificates"]) else []
        signer_infos = list(signed["signer_infos"])
        if not signer_infos:
            raise SodError("EF.SOD has no signer")
        return ParsedSod(signed, econtent, hash_algorithm, hashes, certificates[0] if certificates else None,
                         signer_infos[0])  # fmt: skip
    except SodError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:
        raise SodError(f"malformed EF.SOD: {error}") from error


def hash_data_group(algorithm: str, content: bytes) -> bytes:
    return hashlib.new(algorithm, content).digest()
