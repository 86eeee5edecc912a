"""EF.SOD: the Document Security Object, a CMS SignedData over an LDSSecurityObject that holds the hash
of every data group (ICAO 9303 Part 10 and 11). Building and reading; verification is in
``cancuoc.cards.verify``. asn1crypto parses BER (indefinite lengths) as real documents use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import algos, cms, core, x509

from .lds import LdsError, emit, parse_tlv

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


def build_sod(
    dg_files: dict[int, bytes], signer, ds_certificate_der: bytes, *, hash_name: str = "sha256",
    signing_time=None,
) -> bytes:  # fmt: skip
    """EF.SOD over ``dg_files`` (data-group number → file bytes), signed by ``signer`` (a
    ``cancuoc.cards.pki.Signer``) whose certificate is ``ds_certificate_der``. DER, tag 77."""
    from cryptography.hazmat.primitives import hashes

    lds_object = LdsSecurityObject({
        "version": 0,
        "hashAlgorithm": {"algorithm": hash_name},
        "dataGroupHashValues": [
            {"dataGroupNumber": number, "dataGroupHashValue": hash_data_group(hash_name, content)}
            for number, content in sorted(dg_files.items())
        ],
    })  # fmt: skip
    econtent = lds_object.dump()
    certificate = x509.Certificate.load(ds_certificate_der)
    attributes = [
        {"type": "content_type", "values": [LDS_SECURITY_OBJECT_OID]},
        {"type": "message_digest", "values": [hash_data_group(hash_name, econtent)]},
    ]
    if signing_time is not None:
        attributes.append({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    signed_attributes = cms.CMSAttributes(attributes)
    chosen_hash = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[hash_name]()
    signature = signer.sign(signed_attributes.dump(), chosen_hash)
    key_algorithm = certificate.public_key.algorithm
    signature_algorithm = f"{hash_name}_ecdsa" if key_algorithm == "ec" else f"{hash_name}_rsa"
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}}),
        "digest_algorithm": {"algorithm": hash_name},
        "signed_attrs": signed_attributes,
        "signature_algorithm": {"algorithm": signature_algorithm},
        "signature": signature,
    })  # fmt: skip
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": hash_name}],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT_OID, "content": econtent},
        "certificates": [certificate],
        "signer_infos": [signer_info],
    })  # fmt: skip
    return emit(0x77, cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())
