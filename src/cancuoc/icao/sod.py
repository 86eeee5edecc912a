"""EF.SOD: the Document Security Object, a CMS SignedData over an LDSSecurityObject that holds the hash
of every data group (ICAO 9303 Part 10 and 11). Building and reading; verification is in
``cancuoc.icao.verify``. asn1crypto parses BER (indefinite lengths) as real documents use it.
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


class SodTemplate:
    """Everything of an EF.SOD that is the same for every card a Document Signer signs (certificate,
    signer identifier, algorithm identifiers), encoded once; ``build`` adds the card's hashes, digest,
    signing time and signature. Personalisation signs thousands of cards per DS: this keeps the ASN.1
    object building out of the per-card cost."""

    DIGESTS = {
        "sha256": "2.16.840.1.101.3.4.2.1",
        "sha384": "2.16.840.1.101.3.4.2.2",
        "sha512": "2.16.840.1.101.3.4.2.3",
    }

    def __init__(self, ds_certificate_der: bytes, hash_name: str = "sha256"):
        from cryptography.hazmat.primitives import hashes

        certificate = x509.Certificate.load(ds_certificate_der)
        self.hash_name = hash_name
        self.hash = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[hash_name]()
        digest_algorithm = algos.DigestAlgorithm({"algorithm": hash_name}).dump()
        key_algorithm = certificate.public_key.algorithm
        signature_algorithm = algos.SignedDigestAlgorithm(
            {"algorithm": f"{hash_name}_ecdsa" if key_algorithm == "ec" else f"{hash_name}_rsa"}
        ).dump()
        sid = cms.IssuerAndSerialNumber(
            {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        ).dump()
        self._signer_head = core.Integer(1).dump() + sid + digest_algorithm
        self._signature_algorithm = signature_algorithm
        self._signed_data_head = core.Integer(3).dump() + emit(0x31, digest_algorithm)
        self._certificates = emit(0xA0, ds_certificate_der)
        self._lds_head = core.Integer(0).dump() + digest_algorithm
        self._content_type_attribute = emit(0x30, core.ObjectIdentifier("1.2.840.113549.1.9.3").dump()
                                            + emit(0x31, core.ObjectIdentifier(LDS_SECURITY_OBJECT_OID).dump()))  # fmt: skip
        self._econtent_type = core.ObjectIdentifier(LDS_SECURITY_OBJECT_OID).dump()
        self._signed_data_oid = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()

    def build(self, dg_files: dict[int, bytes], signer, signing_time=None) -> bytes:
        hashes_der = b"".join(
            emit(0x30, emit(0x02, bytes([number])) + emit(0x04, hash_data_group(self.hash_name, content)))
            for number, content in sorted(dg_files.items())
        )
        econtent = emit(0x30, self._lds_head + emit(0x30, hashes_der))
        attributes = [
            self._content_type_attribute,
            emit(0x30, core.ObjectIdentifier("1.2.840.113549.1.9.4").dump()
                 + emit(0x31, emit(0x04, hash_data_group(self.hash_name, econtent)))),
        ]  # fmt: skip
        if signing_time is not None:
            attributes.append(emit(0x30, core.ObjectIdentifier("1.2.840.113549.1.9.5").dump()
                                   + emit(0x31, core.UTCTime(signing_time).dump())))  # fmt: skip
        attributes.sort()  # DER: the elements of a SET OF in ascending order of their encodings
        signed_attributes = b"".join(attributes)
        signature = signer.sign(emit(0x31, signed_attributes), self.hash)
        signer_info = emit(0x30, self._signer_head + emit(0xA0, signed_attributes) + self._signature_algorithm
                           + emit(0x04, signature))  # fmt: skip
        encapsulated = emit(0x30, self._econtent_type + emit(0xA0, emit(0x04, econtent)))
        signed_data = emit(
            0x30, self._signed_data_head + encapsulated + self._certificates + emit(0x31, signer_info)
        )
        return emit(0x77, emit(0x30, self._signed_data_oid + emit(0xA0, signed_data)))


_templates: dict[tuple[bytes, str], SodTemplate] = {}


def build_sod(
    dg_files: dict[int, bytes], signer, ds_certificate_der: bytes, *, hash_name: str = "sha256",
    signing_time=None,
) -> bytes:  # fmt: skip
    """EF.SOD over ``dg_files`` (data-group number → file bytes), signed by ``signer`` (a
    ``cancuoc.icao.pki.Signer``) whose certificate is ``ds_certificate_der``. DER, tag 77."""
    key = (ds_certificate_der, hash_name)
    template = _templates.get(key)
    if template is None:
        if len(_templates) > 16:
            _templates.clear()
        template = _templates[key] = SodTemplate(ds_certificate_der, hash_name)
    return template.build(dg_files, signer, signing_time)
