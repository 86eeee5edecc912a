"""Passive Authentication of a card's chip data, and the consistency of what is printed on the card.

``verify_folder`` reads a personalised card folder (``EF_COM.bin``, ``DG1.bin`` … ``DG16.bin``,
``EF_SOD.bin``, ``mrz.txt``, ``qr.txt``); ``verify_files`` takes the files as bytes. Each check has a
name, a pass/fail/skipped status and a reason; nothing raises on hostile chip data. A file that is absent
is reported as absent, never guessed. The card is VALID only when nothing failed:

- EF.SOD is signed by a Document Signer that chains to a trusted CSCA (no trust anchor, no verdict);
- DG1 (MRZ) and DG2 (face) are present and match EF.SOD; a group that EF.SOD lists but the files lack
  fails, except DG3 and DG4 (fingerprints, iris), which a reader without Extended Access Control is denied;
- a card of ours (Viet Nam's CSCA, our DG13, or EF.SOD listing DG15) carries DG15, so that Active
  Authentication cannot be skipped by deleting it; a foreign document that never had DG15 stays verifiable.

Trust material that cannot be read (``load_certificates``, ``load_crls``) raises ``TrustMaterialError``
with a bilingual message: it is the relying party's input, not the card's.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import core, pem, x509
from asn1crypto import crl as asn1_crl
from cryptography.exceptions import UnsupportedAlgorithm

from . import lds, mrz, qr
from .errors import DocumentError, DocumentErrorCode, TrustMaterialError
from .personalisation import CHIP_AA_KEY_FILE, active_authentication
from .pki import COUNTRY
from .signatures import SignatureProblem
from .signatures import verify as verify_signature
from .sod import ParsedSod, SodError, hash_data_group, parse_sod

PASS, FAIL, SKIP = "pass", "fail", "skipped"
MAX_FILE = 1 << 22
MANDATORY_GROUPS = (1, 2)  # the MRZ and the face (ICAO 9303 Part 10)
MAY_BE_DENIED = (3, 4)  # fingerprints and iris: readers without Extended Access Control are refused them
FILE_NAMES = frozenset({"EF_COM.bin", "EF_SOD.bin", "mrz.txt", "qr.txt", CHIP_AA_KEY_FILE,
                        *(f"DG{number}.bin" for number in range(1, 17))})  # fmt: skip


def _say(vietnamese: str, english: str) -> str:
    return f"{vietnamese} / {english}"


@dataclass
class Check:
    name: str
    status: str
    reason: str = ""


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, reason: str = "") -> None:
        self.checks.append(Check(name, PASS if ok else FAIL, reason))

    def skip(self, name: str, reason: str) -> None:
        self.checks.append(Check(name, SKIP, reason))

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks) and any(
            c.status == PASS for c in self.checks
        )

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checks": [asdict(check) for check in self.checks]}


# asn1crypto parses lazily: a malformed field deep in a structure surfaces only when it is read.
# A damaged key can also be read as a key of an unknown kind (UnsupportedAlgorithm).
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError,
              UnsupportedAlgorithm)  # fmt: skip


def _blocks(data: bytes, kinds: tuple[str, ...], code: DocumentErrorCode, source: str) -> list[bytes]:
    """The DER bodies of ``data``: every PEM block (each of one of ``kinds``) or ``data`` itself as DER."""
    if not data.strip():
        raise TrustMaterialError(code, path=source, detail=_say("tệp rỗng", "the file is empty"))
    if not pem.detect(data):
        return [data]
    try:
        blocks = list(pem.unarmor(data, multiple=True))
    except ValueError as error:
        raise TrustMaterialError(code, path=source, detail=_say("PEM hỏng", "broken PEM")) from error
    for kind, _headers, _der in blocks:
        if kind not in kinds:
            raise TrustMaterialError(code, path=source, detail=_say(f"có khối {kind}", f"holds a {kind} block"))
    return [der for _kind, _headers, der in blocks]


def load_certificates(data: bytes, source: str = "--trust") -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or DER, each read in full now (the fields the verifier uses),
    so that a damaged one is refused here, with ``source`` named, and not half-used later."""
    certificates = []
    for der in _blocks(data, ("CERTIFICATE",), DocumentErrorCode.TRUST_UNREADABLE, source):
        try:
            certificate = x509.Certificate.load(der)
            _read_now = (certificate.subject.native, certificate.issuer.native, certificate.public_key.native,
                         certificate["signature_value"].native, certificate["signature_algorithm"].native,
                         certificate["tbs_certificate"]["validity"].native)  # fmt: skip
        except _MALFORMED as error:
            raise TrustMaterialError(DocumentErrorCode.TRUST_UNREADABLE, path=source, detail=_say(
                f"chứng chỉ thứ {len(certificates) + 1} hỏng", f"certificate {len(certificates) + 1} is damaged"),
            ) from error  # fmt: skip
        certificates.append(certificate)
    return certificates


def load_crls(data: bytes, source: str = "--crl") -> list[asn1_crl.CertificateList]:
    crls = []
    for der in _blocks(data, ("X509 CRL",), DocumentErrorCode.CRL_UNREADABLE, source):
        try:
            crl = asn1_crl.CertificateList.load(der)
            _read_now = crl["tbs_cert_list"].native, crl["signature_algorithm"].native, crl["signature"].native
        except _MALFORMED as error:
            raise TrustMaterialError(DocumentErrorCode.CRL_UNREADABLE, path=source,
                                     detail=_say(f"CRL thứ {len(crls) + 1} hỏng", f"CRL {len(crls) + 1} is damaged"),
                                     ) from error  # fmt: skip
        crls.append(crl)
    return crls


def _signed_attributes_bytes(parsed: ParsedSod) -> bytes:
    # Signed over as a SET OF (tag 31) with the bytes as received, not the [0] IMPLICIT it is stored as.
    return lds.emit(0x31, parsed.signer_info["signed_attrs"].contents)


def _message_digest(parsed: ParsedSod) -> bytes | None:
    for attribute in parsed.signer_info["signed_attrs"]:
        if attribute["type"].dotted == "1.2.840.113549.1.9.4":
            return attribute["values"][0].native
    return None


def _signing_time(parsed: ParsedSod) -> datetime | None:
    for attribute in parsed.signer_info["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            return attribute["values"][0].native
    return None


def verify_files(
    files: dict[str, bytes],
    *,
    trusted: list[x509.Certificate] | None = None,
    crls: list[asn1_crl.CertificateList] | None = None,
    at: datetime | None = None,
    at_signing_time: bool = False,
) -> Report:
    """Passive Authentication and card consistency. ``files`` by name (EF_COM.bin, DG1.bin … EF_SOD.bin,
    mrz.txt, qr.txt). ``at``: the time for certificate validity (default now); ``at_signing_time``:
    check validity when the document was signed (for old specimens whose certificates expired)."""
    report = Report()
    for name, content in files.items():
        if len(content) > MAX_FILE:
            report.add(f"size {name}", False, _say(f"{name} lớn hơn {MAX_FILE} byte", f"{name} is larger than {MAX_FILE} bytes"))
            return report
    sod_bytes = files.get("EF_SOD.bin")
    parsed = csca = None
    if sod_bytes is None:
        report.add("sod", False, _say("Thiếu EF_SOD.bin", "EF_SOD.bin is absent"))
    else:
        try:
            parsed = parse_sod(sod_bytes)
            report.add(
                "sod",
                True,
                _say(f"LDSSecurityObject chứa mã băm {parsed.hash_algorithm} của DG{sorted(parsed.dg_hashes)}",
                     f"LDSSecurityObject with {parsed.hash_algorithm} hashes of DG{sorted(parsed.dg_hashes)}"),
            )
        except SodError as error:
            report.add("sod", False, str(error))
    if parsed is not None:
        _guarded(report, "signature", _check_signature, report, parsed)
        when = at or datetime.now(UTC)
        if at_signing_time:
            when = _guarded(report, "signing time", _signing_time_or_ds_start, parsed) or when
        csca = _guarded(report, "chain", _check_chain, report, parsed, trusted or [], crls or [], when)
        _guarded(report, "data groups", _check_data_groups, report, parsed, files)
    _guarded(report, "printed data", _check_printed, report, files)
    _guarded(report, "active authentication", _check_active_authentication, report, files, parsed, csca)
    return report


def _guarded(report: Report, name: str, check, *args):
    # Whatever a check meets, the result is a failed check with the reason, never an exception to the caller.
    try:
        return check(*args)
    except _MALFORMED as error:
        report.add(name, False, _say("Dữ liệu sai cấu trúc", f"malformed data: {error}"[:300]))
        return None


def _signing_time_or_ds_start(parsed: ParsedSod):
    if (moment := _signing_time(parsed)) is not None:
        return moment
    return (
        parsed.certificate["tbs_certificate"]["validity"]["not_before"].native if parsed.certificate else None
    )


_OUR_DG13_OID = core.ObjectIdentifier(lds.DG13_OID).dump()


def _is_our_dg13(data: bytes) -> bool:
    try:
        outer, _rest = lds.parse_tlv(data)
        (sequence,) = lds.children(outer.value)[:1] or [None]
        return outer.tag == 0x6D and sequence is not None and any(
            lds.emit(item.tag, item.value) == _OUR_DG13_OID for item in lds.children(sequence.value)
        )
    except lds.LdsError:
        return False


def _why_ours(files: dict[str, bytes], parsed: ParsedSod | None, csca: x509.Certificate | None):
    """Why the document is one of ours, which always carry DG15, as (Vietnamese, English), or None."""
    if CHIP_AA_KEY_FILE in files:
        return "chip có khóa Active Authentication", "the chip holds an Active Authentication key"
    if parsed is not None and 15 in parsed.dg_hashes:
        return "EF.SOD liệt kê DG15", "EF.SOD lists DG15"
    issuers = [csca.subject] if csca is not None else []
    if parsed is not None and parsed.certificate is not None:
        issuers.append(parsed.certificate.issuer)
    if any(name.native.get("country_name") == COUNTRY for name in issuers):
        return "do CSCA Việt Nam cấp", "issued under Viet Nam's CSCA"
    if "DG13.bin" in files and _is_our_dg13(files["DG13.bin"]):
        return "DG13 theo mẫu Việt Nam", "its DG13 is Viet Nam's"
    return None


def _check_active_authentication(report: Report, files: dict[str, bytes], parsed, csca) -> None:
    name = "active authentication"
    if "DG15.bin" not in files:
        if why := _why_ours(files, parsed, csca):
            report.add(name, False, _say(f"Thiếu DG15: thẻ của ta phải qua Active Authentication ({why[0]})",
                                         f"DG15 is absent: our cards must pass Active Authentication ({why[1]})"))  # fmt: skip
        else:
            report.skip(name, _say("Giấy tờ không có DG15 (không có Active Authentication)",
                                   "the document has no DG15 (no Active Authentication)"))  # fmt: skip
        return
    if CHIP_AA_KEY_FILE not in files:
        report.skip(name, _say("Không có chip để thử thách (chỉ có các tệp)", "no chip to challenge (only its files)"))
        return
    try:
        ok = active_authentication(files["DG15.bin"], files[CHIP_AA_KEY_FILE], os.urandom(8))
    except (lds.LdsError, *_MALFORMED) as error:
        report.add(name, False, _say("Không chạy được", f"cannot run: {error}"[:300]))
        return
    report.add(name, ok, _say("Chip trả lời đúng thử thách bằng khóa DG15", "the chip answered the challenge with the DG15 key")
               if ok else _say("Câu trả lời của chip không khớp khóa DG15", "the chip's answer does not verify with DG15"))  # fmt: skip


def _check_signature(report: Report, parsed: ParsedSod) -> None:
    digest_name = parsed.signer_info["digest_algorithm"]["algorithm"].native
    expected = _message_digest(parsed)
    try:
        actual = hash_data_group(digest_name, parsed.econtent)
    except ValueError:
        report.add("message digest", False, _say(f"Không hỗ trợ hàm băm {digest_name}", f"unsupported digest {digest_name}"))
        return
    report.add("message digest", expected is not None and hmac.compare_digest(expected, actual),
               _say("messageDigest đã ký khớp mã băm của LDSSecurityObject",
                    "signed messageDigest equals the hash of the LDSSecurityObject") if expected == actual
               else _say("messageDigest đã ký không khớp LDSSecurityObject",
                         "the signed messageDigest does not match the LDSSecurityObject"))  # fmt: skip
    if parsed.certificate is None:
        report.add("signature", False, _say("EF.SOD không có chứng chỉ Document Signer",
                                            "no Document Signer certificate in EF.SOD"))  # fmt: skip
        return
    try:
        verify_signature(parsed.certificate.public_key, parsed.signer_info["signature_algorithm"],
                         parsed.signer_info["signature"].native, _signed_attributes_bytes(parsed), digest_name)  # fmt: skip
        report.add(
            "signature",
            True,
            _say(f"Chữ ký của SOD khớp khóa DS ({parsed.certificate.public_key.algorithm})",
                 f"SOD signature verifies with the DS key ({parsed.certificate.public_key.algorithm})"),
        )
    except (SignatureProblem, ValueError, KeyError) as error:
        report.add("signature", False, str(error))


class TrustStore:
    """Trusted CSCA certificates, indexed by subject, remembering which DS certificates they signed:
    a relying party sees the same few Document Signers on thousands of cards."""

    def __init__(self, certificates: list[x509.Certificate]):
        self.certificates = certificates
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._by_country: dict[str | None, list[x509.Certificate]] = {}
        for certificate in certificates:
            self._by_subject.setdefault(certificate.subject.dump(), []).append(certificate)
            self._by_country.setdefault(certificate.subject.native.get("country_name"), []).append(
                certificate
            )
        self._issuer_of: dict[bytes, x509.Certificate | None] = {}

    def issuer_of(self, ds: x509.Certificate) -> x509.Certificate | None:
        key = ds.dump()
        if key not in self._issuer_of:
            self._issuer_of[key] = self._find_issuer(ds)
        return self._issuer_of[key]

    def _find_issuer(self, ds: x509.Certificate) -> x509.Certificate | None:
        named = self._by_subject.get(ds.issuer.dump(), [])
        # Name matching is not enough (renewed CSCAs share names, some documents order names oddly):
        # the CSCA whose key verifies the DS certificate is the one; same-country CSCAs are tried next.
        others = [c for c in self._by_country.get(ds.issuer.native.get("country_name"), []) if c not in named]
        for candidate in named + others:
            try:
                verify_signature(candidate.public_key, ds["signature_algorithm"], ds["signature_value"].native,
                                 ds["tbs_certificate"].dump())  # fmt: skip
                return candidate
            except (SignatureProblem, ValueError):
                continue
        return None


_stores: dict[int, tuple[list, TrustStore]] = {}


def _trust_store(trusted) -> TrustStore:
    if isinstance(trusted, TrustStore):
        return trusted
    cached = _stores.get(id(trusted))
    if cached is None or cached[0] is not trusted:
        if len(_stores) > 8:
            _stores.clear()
        cached = _stores[id(trusted)] = (trusted, TrustStore(trusted))
    return cached[1]


def _check_chain(report, parsed: ParsedSod, trusted, crls, when: datetime) -> x509.Certificate | None:
    """The DS certificate's validity, the CSCA that signed it (returned) and revocation."""
    ds = parsed.certificate
    if ds is None:
        report.add("chain", False, _say("Không có chứng chỉ Document Signer", "no Document Signer certificate"))
        return None
    validity = ds["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    report.add("ds validity", not_before <= when <= not_after,
               _say(f"DS có hiệu lực {not_before:%d/%m/%Y}–{not_after:%d/%m/%Y}, kiểm tra tại {when:%d/%m/%Y}",
                    f"DS valid {not_before:%d/%m/%Y}–{not_after:%d/%m/%Y}, checked at {when:%d/%m/%Y}"))  # fmt: skip
    store = _trust_store(trusted) if trusted else None
    found = None
    if store is None or not store.certificates:
        # without a trust anchor anyone's key could have signed EF.SOD: no verdict of VALID
        report.add("chain", False, _say("Không có CSCA tin cậy (--trust): không biết ai đã ký",
                                        "no trusted CSCA given (--trust): the signer cannot be trusted"))  # fmt: skip
    else:
        found = store.issuer_of(ds)
        if found is None:
            report.add("chain", False, _say("Chứng chỉ DS không do CSCA tin cậy nào ký",
                                            "the DS certificate is not signed by any trusted CSCA"))  # fmt: skip
        else:
            csca_validity = found["tbs_certificate"]["validity"]
            in_time = csca_validity["not_before"].native <= when <= csca_validity["not_after"].native
            signer = found.subject.human_friendly
            report.add("chain", in_time, _say(f"DS do {signer} ký", f"DS signed by {signer}") if in_time
                       else _say(f"DS do {signer} ký; CSCA không có hiệu lực tại {when:%d/%m/%Y}",
                                 f"DS signed by {signer}; the CSCA is not valid at {when:%d/%m/%Y}"))  # fmt: skip
    _check_revocation(report, ds, found, crls, when)
    return found


def _check_revocation(report, ds: x509.Certificate, csca: x509.Certificate | None, crls, when: datetime) -> None:
    if not crls:
        report.skip("revocation", _say("Không có CRL (--crl)", "no CRL given (--crl)"))
        return
    relevant = [crl for crl in crls if crl["tbs_cert_list"]["issuer"] == ds.issuer]
    if not relevant:
        report.skip("revocation", _say("Không CRL nào do CSCA của DS phát hành", "no CRL from the DS's CSCA"))
        return
    if csca is not None:
        for crl in relevant:  # a CRL counts only when the CSCA signed it: anyone can write an empty list
            try:
                verify_signature(csca.public_key, crl["signature_algorithm"], crl["signature"].native,
                                 crl["tbs_cert_list"].dump())  # fmt: skip
            except (SignatureProblem, ValueError):
                report.add("revocation", False, _say("Chữ ký của CRL không khớp khóa CSCA",
                                                     "the CRL's signature does not verify with the CSCA key"))  # fmt: skip
                return
    serial = ds.serial_number
    revoked = [
        entry for crl in relevant for entry in (crl["tbs_cert_list"]["revoked_certificates"] or [])
        if entry["user_certificate"].native == serial and entry["revocation_date"].native <= when
    ]  # fmt: skip
    report.add("revocation", not revoked, _say("DS đã bị thu hồi", "DS revoked") if revoked
               else _say("DS không có trong CRL", "DS not on the CRL"))  # fmt: skip


def _data_group_files(files: dict[str, bytes]) -> dict[int, bytes]:
    found = {}
    for name, content in files.items():
        stem = name.removesuffix(".bin")
        if stem.startswith("DG") and stem[2:].isdigit():
            found[int(stem[2:])] = content
    return found


def _check_data_groups(report: Report, parsed: ParsedSod, files: dict[str, bytes]) -> None:
    present = _data_group_files(files)
    for number in sorted(set(parsed.dg_hashes) | set(present) | set(MANDATORY_GROUPS)):
        name = f"DG{number} hash"
        if number not in present and number in MANDATORY_GROUPS:
            report.add(name, False, _say(f"DG{number} bắt buộc nhưng không có", f"DG{number} is mandatory and absent"))
        elif number not in present and number in MAY_BE_DENIED:
            report.skip(name, _say(f"DG{number} có trong EF.SOD nhưng không đọc được (đầu đọc có thể bị từ chối)",
                                   f"DG{number} is listed in EF.SOD but absent (a reader may be denied it)"))  # fmt: skip
        elif number not in present:
            report.add(name, False, _say(f"DG{number} có trong EF.SOD nhưng thiếu tệp",
                                         f"DG{number} is listed in EF.SOD but its file is absent"))  # fmt: skip
        elif number not in parsed.dg_hashes:
            report.add(name, False, _say(f"DG{number} không được EF.SOD bảo vệ",
                                         f"DG{number} is present but not covered by EF.SOD (unprotected)"))  # fmt: skip
        else:
            actual = hash_data_group(parsed.hash_algorithm, present[number])
            same = hmac.compare_digest(actual, parsed.dg_hashes[number])
            report.add(name, same, _say("khớp EF.SOD", "matches EF.SOD") if same
                       else _say("không khớp EF.SOD", "does not match EF.SOD"))  # fmt: skip
    if "EF_COM.bin" in files:
        try:
            listed = set(lds.parse_ef_com(files["EF_COM.bin"]).data_groups)
            missing = sorted(set(present) - listed - {3, 4})
            report.add("EF.COM", not missing, _say("liệt kê mọi nhóm dữ liệu có mặt", "lists every data group present")
                       if not missing else _say(f"EF.COM không liệt kê DG{missing}", f"EF.COM does not list DG{missing}"))  # fmt: skip
        except lds.LdsError as error:
            report.add("EF.COM", False, str(error))


def _check_printed(report: Report, files: dict[str, bytes]) -> None:
    chip_mrz = None
    if "DG1.bin" in files:
        try:
            chip_mrz = lds.parse_dg1(files["DG1.bin"])
            lines = lds.split_mrz(chip_mrz)
            if len(lines) == 3:
                parsed = mrz.parse(lines)
                report.add(
                    "MRZ check digits",
                    parsed.ok,
                    "; ".join(p.message for p in parsed.problems) or _say("đều đúng", "all valid"),
                )
            else:
                report.skip("MRZ check digits", _say("không phải MRZ TD1", "not a TD1 MRZ"))
        except lds.LdsError as error:
            report.add("DG1", False, str(error))
    if "mrz.txt" in files:
        printed = "".join(files["mrz.txt"].decode("ascii", "replace").split())
        if chip_mrz is None:
            report.skip("DG1 = printed MRZ", _say("không có DG1", "DG1 is absent"))
        else:
            report.add(
                "DG1 = printed MRZ", printed == chip_mrz,
                _say("trùng khớp", "identical") if printed == chip_mrz else _say("khác nhau", "differ"),
            )
    if "qr.txt" in files:
        try:
            code = qr.parse(files["qr.txt"])
        except qr.QrError as error:
            report.add("QR", False, str(error))
            return
        if "DG13.bin" not in files:
            report.skip("QR = DG13", _say("không có DG13", "DG13 is absent"))
            return
        try:
            dg13 = lds.parse_dg13(files["DG13.bin"])
        except lds.LdsError as error:
            report.add("DG13", False, str(error))
            return
        # every field the QR code carries, so that no printed field can be changed unnoticed
        printed_fields = (("id_number", code.id_number), ("old_id_number", code.old_id_number),
                          ("full_name", code.full_name), ("birth_date", code.birth_date.strftime("%d/%m/%Y")),
                          ("sex", {"M": "Nam", "F": "Nữ"}.get(code.sex, code.sex)),
                          ("place_of_residence", code.residence), ("issue_date", code.issue_date.strftime("%d/%m/%Y")))
        differences = [name for name, printed in printed_fields if (dg13.get(name) or "") != (printed or "")]  # fmt: skip
        report.add(
            "QR = DG13",
            not differences,
            _say("thống nhất", "consistent") if not differences
            else _say(f"khác nhau ở {differences}", f"differ in {differences}"),
        )


def verify_folder(folder: Path, **options) -> Report:
    """The card files of ``folder`` (other files are ignored, none is read past ``MAX_FILE``); raises
    ``DocumentError`` when the folder or one of its card files cannot be read."""
    if not folder.is_dir():
        raise DocumentError(DocumentErrorCode.NOT_A_FOLDER, path=folder)
    files = {}
    try:
        for path in sorted(folder.iterdir()):
            name = path.name.replace("EF.COM", "EF_COM").replace("EF.SOD", "EF_SOD")
            if name in FILE_NAMES and path.is_file():
                with path.open("rb") as handle:
                    files[name] = handle.read(MAX_FILE + 1)
    except OSError as error:
        raise DocumentError(DocumentErrorCode.FILE_UNREADABLE, path=getattr(error, "filename", None) or folder,
                        detail=error.strerror or error) from error  # fmt: skip
    return verify_files(files, **options)
