"""Passive Authentication of a card's chip data, and the consistency of what is printed on the card.

``verify_folder`` reads a personalised card folder (``EF_COM.bin``, ``DG1.bin`` … ``DG15.bin``,
``EF_SOD.bin``, ``mrz.txt``, ``qr.txt``); ``verify_files`` takes the files as bytes. Each check has a
name, a pass/fail and a reason; nothing raises on hostile input. A file that is absent is reported as
absent, never guessed.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509

from . import lds, mrz, qr
from .signatures import SignatureProblem
from .signatures import verify as verify_signature
from .sod import ParsedSod, SodError, hash_data_group, parse_sod

PASS, FAIL, SKIP = "pass", "fail", "skipped"
MAX_FILE = 1 << 22


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


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or DER."""
    if pem.detect(data):
        return [x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


def load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    if pem.detect(data):
        return [asn1_crl.CertificateList.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
    return [asn1_crl.CertificateList.load(data)]


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
            report.add(f"size {name}", False, f"{name} is larger than {MAX_FILE} bytes")
            return report
    sod_bytes = files.get("EF_SOD.bin")
    parsed = None
    if sod_bytes is None:
        report.add("sod", False, "EF_SOD.bin is absent")
    else:
        try:
            parsed = parse_sod(sod_bytes)
            report.add(
                "sod",
                True,
                f"LDSSecurityObject with {parsed.hash_algorithm} hashes of DG{sorted(parsed.dg_hashes)}",
            )
        except SodError as error:
            report.add("sod", False, str(error))
    if parsed is not None:
        _guarded(report, "signature", _check_signature, report, parsed)
        when = at or datetime.now(UTC)
        if at_signing_time:
            when = _guarded(report, "signing time", _signing_time_or_ds_start, parsed) or when
        _guarded(report, "chain", _check_chain, report, parsed, trusted or [], crls or [], when)
        _guarded(report, "data groups", _check_data_groups, report, parsed, files)
    _guarded(report, "printed data", _check_printed, report, files)
    _guarded(report, "active authentication", _check_active_authentication, report, files)
    return report


# asn1crypto parses lazily: a malformed field deep in EF.SOD surfaces only when it is read. Whatever
# a check meets, the result is a failed check with the reason, never an exception to the caller.
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError)


def _guarded(report: Report, name: str, check, *args):
    try:
        return check(*args)
    except _MALFORMED as error:
        report.add(name, False, f"malformed data: {error}"[:300])
        return None


def _signing_time_or_ds_start(parsed: ParsedSod):
    if (moment := _signing_time(parsed)) is not None:
        return moment
    return (
        parsed.certificate["tbs_certificate"]["validity"]["not_before"].native if parsed.certificate else None
    )


def _check_active_authentication(report: Report, files: dict[str, bytes]) -> None:
    import os

    from .personalisation import CHIP_AA_KEY_FILE, active_authentication

    if "DG15.bin" not in files:
        report.skip("active authentication", "DG15 is absent")
        return
    if CHIP_AA_KEY_FILE not in files:
        report.skip("active authentication", "no chip to challenge (only its files)")
        return
    try:
        ok = active_authentication(files["DG15.bin"], files[CHIP_AA_KEY_FILE], os.urandom(8))
    except (ValueError, TypeError, lds.LdsError) as error:
        report.add("active authentication", False, f"cannot run: {error}")
        return
    report.add("active authentication", ok, "the chip answered the challenge with the DG15 key" if ok
               else "the chip's answer does not verify with DG15")  # fmt: skip


def _check_signature(report: Report, parsed: ParsedSod) -> None:
    digest_name = parsed.signer_info["digest_algorithm"]["algorithm"].native
    expected = _message_digest(parsed)
    try:
        actual = hash_data_group(digest_name, parsed.econtent)
    except ValueError:
        report.add("message digest", False, f"unsupported digest {digest_name}")
        return
    report.add("message digest", expected is not None and hmac.compare_digest(expected, actual),
               "signed messageDigest equals the hash of the LDSSecurityObject" if expected == actual
               else "the signed messageDigest does not match the LDSSecurityObject")  # fmt: skip
    if parsed.certificate is None:
        report.add("signature", False, "no Document Signer certificate in EF.SOD")
        return
    try:
        verify_signature(parsed.certificate.public_key, parsed.signer_info["signature_algorithm"],
                         parsed.signer_info["signature"].native, _signed_attributes_bytes(parsed), digest_name)  # fmt: skip
        report.add(
            "signature",
            True,
            f"SOD signature verifies with the DS key ({parsed.certificate.public_key.algorithm})",
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


def _check_chain(report, parsed: ParsedSod, trusted, crls, when: datetime) -> None:
    ds = parsed.certificate
    if ds is None:
        report.add("chain", False, "no Document Signer certificate")
        return
    validity = ds["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    report.add("ds validity", not_before <= when <= not_after,
               f"DS valid {not_before:%d/%m/%Y}–{not_after:%d/%m/%Y}, checked at {when:%d/%m/%Y}")  # fmt: skip
    store = _trust_store(trusted) if trusted else None
    if store is None or not store.certificates:
        report.skip("chain", "no trusted CSCA given (--trust)")
    else:
        found = store.issuer_of(ds)
        if found is None:
            report.add("chain", False, "the DS certificate is not signed by any trusted CSCA")
        else:
            csca_validity = found["tbs_certificate"]["validity"]
            in_time = csca_validity["not_before"].native <= when <= csca_validity["not_after"].native
            report.add("chain", in_time, f"DS signed by {found.subject.human_friendly}"
                       + ("" if in_time else f"; the CSCA is not valid at {when:%d/%m/%Y}"))  # fmt: skip
    if crls:
        serial = ds.serial_number
        revoked = [
            entry for crl in crls if crl["tbs_cert_list"]["issuer"] == ds.issuer
            for entry in (crl["tbs_cert_list"]["revoked_certificates"] or [])
            if entry["user_certificate"].native == serial and entry["revocation_date"].native <= when
        ]  # fmt: skip
        report.add("revocation", not revoked, "DS revoked" if revoked else "DS not on the CRL")
    else:
        report.skip("revocation", "no CRL given (--crl)")


def _data_group_files(files: dict[str, bytes]) -> dict[int, bytes]:
    found = {}
    for name, content in files.items():
        stem = name.removesuffix(".bin")
        if stem.startswith("DG") and stem[2:].isdigit():
            found[int(stem[2:])] = content
    return found


def _check_data_groups(report: Report, parsed: ParsedSod, files: dict[str, bytes]) -> None:
    present = _data_group_files(files)
    for number in sorted(set(parsed.dg_hashes) | set(present)):
        name = f"DG{number} hash"
        if number not in present:
            report.skip(name, f"DG{number} is listed in EF.SOD but its file is absent")
        elif number not in parsed.dg_hashes:
            report.add(name, False, f"DG{number} is present but not covered by EF.SOD (unprotected)")
        else:
            actual = hash_data_group(parsed.hash_algorithm, present[number])
            report.add(name, hmac.compare_digest(actual, parsed.dg_hashes[number]),
                       "matches EF.SOD" if actual == parsed.dg_hashes[number] else "does not match EF.SOD")  # fmt: skip
    if "EF_COM.bin" in files:
        try:
            listed = set(lds.parse_ef_com(files["EF_COM.bin"]).data_groups)
            missing = sorted(set(present) - listed - {3, 4})
            report.add("EF.COM", not missing, "lists every data group present" if not missing
                       else f"EF.COM does not list DG{missing}")  # fmt: skip
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
                    "; ".join(p.message for p in parsed.problems) or "all valid",
                )
            else:
                report.skip("MRZ check digits", "not a TD1 MRZ")
        except lds.LdsError as error:
            report.add("DG1", False, str(error))
    if "mrz.txt" in files:
        printed = "".join(files["mrz.txt"].decode("ascii", "replace").split())
        if chip_mrz is None:
            report.skip("DG1 = printed MRZ", "DG1 is absent")
        else:
            report.add(
                "DG1 = printed MRZ", printed == chip_mrz, "identical" if printed == chip_mrz else "differ"
            )
    if "qr.txt" in files:
        try:
            code = qr.parse(files["qr.txt"])
        except qr.QrError as error:
            report.add("QR", False, str(error))
            return
        if "DG13.bin" not in files:
            report.skip("QR = DG13", "DG13 is absent")
            return
        try:
            dg13 = lds.parse_dg13(files["DG13.bin"])
        except lds.LdsError as error:
            report.add("DG13", False, str(error))
            return
        differences = [
            name for name, printed in (("id_number", code.id_number), ("full_name", code.full_name),
                                       ("birth_date", code.birth_date.strftime("%d/%m/%Y")))
            if dg13.get(name) != printed
        ]  # fmt: skip
        report.add(
            "QR = DG13", not differences, "consistent" if not differences else f"differ in {differences}"
        )


def verify_folder(folder: Path, **options) -> Report:
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and (path.suffix in (".bin", ".der") or path.name in ("mrz.txt", "qr.txt")):
            files[path.name.replace("EF.COM", "EF_COM").replace("EF.SOD", "EF_SOD")] = path.read_bytes()[
                : MAX_FILE + 1
            ]
    return verify_files(files, **options)
