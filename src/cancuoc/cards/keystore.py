"""Where the national PKI's keys and certificates live. Certificates, the CRL and the state (which DS is
current, which are revoked) are files in a folder (``var/pki`` by default, ``CANCUOC_PKI_DIR``).
Private keys are held by one of two backends (docs/adr/0004), chosen with ``CANCUOC_PKI_BACKEND``:

- ``file`` (default): encrypted PKCS#8 files beside the certificates, passphrase ``CANCUOC_PKI_PASSPHRASE``;
- ``pkcs11``: a hardware security module through PKCS#11: ``CANCUOC_PKCS11_MODULE`` (the module's
  .so), ``CANCUOC_PKCS11_TOKEN`` (token label), ``CANCUOC_PKCS11_PIN`` (user PIN). Keys are generated on
  the token, not extractable, and referred to by label.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from cancuoc.icao import hsm, pki

from .errors import CardError, CardErrorCode

DEV_PASSPHRASE = b"cancuoc-development-only-passphrase"


class KeystoreError(CardError):
    """The keystore cannot do what was asked; the code says why (``cancuoc.cards.errors``)."""

    @classmethod
    def from_token(cls, error: hsm.HsmError) -> KeystoreError:
        # the token's messages are already "Vietnamese / English"
        vietnamese, _separator, english = str(error).partition(" / ")
        made = cls(CardErrorCode.TOKEN_FAILED, detail=str(error))
        made.message_vi, made.message_en = f"Lỗi token PKCS#11: {vietnamese}", f"PKCS#11 token error: {english or vietnamese}"
        made.args = (f"{made.message_vi} / {made.message_en}",)
        return made


def folder() -> Path:
    return Path(os.environ.get("CANCUOC_PKI_DIR") or Path(settings.VAR_DIR) / "pki")


def passphrase() -> bytes:
    value = os.environ.get("CANCUOC_PKI_PASSPHRASE")
    if value:
        return value.encode()
    if getattr(settings, "PRODUCTION", False):
        raise KeystoreError(CardErrorCode.PASSPHRASE_REQUIRED)
    return DEV_PASSPHRASE


def backend() -> str:
    name = os.environ.get("CANCUOC_PKI_BACKEND", "file")
    if name not in ("file", "pkcs11"):
        raise KeystoreError(CardErrorCode.BACKEND_UNKNOWN, name=name)
    return name


def describe_backend() -> str:
    if backend() == "pkcs11":
        return f"khóa trên token PKCS#11 / keys on PKCS#11 token «{os.environ.get('CANCUOC_PKCS11_TOKEN')}»"
    return f"khóa mã hóa trong / keys encrypted in {folder()}"


_tokens: dict[tuple[str, str, str], hsm.Pkcs11Token] = {}


def _token() -> hsm.Pkcs11Token:
    module = os.environ.get("CANCUOC_PKCS11_MODULE", "")
    label = os.environ.get("CANCUOC_PKCS11_TOKEN", "")
    pin = os.environ.get("CANCUOC_PKCS11_PIN", "")
    if not (module and label and pin):
        raise KeystoreError(CardErrorCode.PKCS11_SETTINGS_MISSING)
    key = (module, label, pin)
    if key not in _tokens:
        try:
            _tokens[key] = hsm.Pkcs11Token(module, label, pin)
        except hsm.HsmError as error:
            raise KeystoreError.from_token(error) from error
    return _tokens[key]


def _new_key(label: str, curve) -> pki.Signer:
    """A new private key under ``label``: on the token, or as an encrypted file ``LABEL.key.pem``."""
    if backend() == "pkcs11":
        try:
            return hsm.Pkcs11Signer.generate(_token(), label, curve)
        except hsm.HsmError as error:
            raise KeystoreError.from_token(error) from error
    signer = pki.SoftwareSigner.generate(curve)
    _write(folder() / f"{label}.key.pem", signer.encrypted_pem(passphrase()), private=True)
    return signer


def _is_encrypted_private_key(data: bytes) -> bool:
    """Whether ``data`` is a well-formed encrypted PKCS#8 PEM: tells a damaged file from a wrong passphrase."""
    try:
        kind, _headers, der = asn1_pem.unarmor(data)
        return kind == "ENCRYPTED PRIVATE KEY" and bool(asn1_keys.EncryptedPrivateKeyInfo.load(der).native)
    except (ValueError, TypeError, KeyError, IndexError):
        return False


def _load_key(label: str) -> pki.Signer:
    if backend() == "pkcs11":
        try:
            signer = hsm.Pkcs11Signer(_token(), label)
            signer.public_key()  # fails now, with the reason, if the token or the key is missing
        except hsm.HsmError as error:
            raise KeystoreError.from_token(error) from error
        return signer
    path = folder() / f"{label}.key.pem"
    data = _read(path, CardErrorCode.KEY_MISSING)
    try:
        return pki.SoftwareSigner.from_encrypted_pem(data, passphrase())
    except (ValueError, TypeError) as error:
        code = CardErrorCode.KEY_PASSPHRASE_WRONG if _is_encrypted_private_key(data) else CardErrorCode.KEY_DAMAGED
        raise KeystoreError(code, path=path.name) from error


def _read(path: Path, missing: CardErrorCode, **values) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise KeystoreError(missing, path=path, **values) from error
    except OSError as error:
        raise KeystoreError(CardErrorCode.FILE_UNREADABLE, path=path, detail=error.strerror or error) from error


def _write(path: Path, data: bytes, private: bool = False) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        if private:
            temporary.chmod(0o600)
        temporary.replace(path)  # atomic: a crash never leaves half a key
    except OSError as error:
        raise KeystoreError(CardErrorCode.KEYSTORE_UNWRITABLE, path=path, detail=error.strerror or error) from error


# --- state.json: which DS is current, which are revoked; checked whole before any of it is used ----------


def _state() -> dict:
    path = folder() / "state.json"
    if not path.exists():
        return {"document_signers": [], "revoked": [], "crl_number": 0}
    data = _read(path, CardErrorCode.STATE_CORRUPT, detail="absent")
    try:
        state = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise KeystoreError(CardErrorCode.STATE_CORRUPT, path=path, detail="not JSON") from error
    problem = _state_problem(state)
    if problem:
        raise KeystoreError(CardErrorCode.STATE_CORRUPT, path=path, detail=problem)
    return state


def _is_timestamp(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_serial(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and all(c in "0123456789abcdef" for c in value)


def _is_label(value) -> bool:
    # a label names a file in the keystore folder: no path separators, no dots
    return isinstance(value, str) and 0 < len(value) <= 80 and all(c.isalnum() or c == "-" for c in value)


def _state_problem(state) -> str:
    """What is wrong with a parsed state file, in a few words, or ""."""
    if not isinstance(state, dict):
        return "not an object"
    signers, revoked, number = state.get("document_signers"), state.get("revoked"), state.get("crl_number")
    if not isinstance(signers, list) or not all(isinstance(d, dict) for d in signers):
        return "document_signers is not a list of objects"
    for entry in signers:
        if not _is_serial(entry.get("serial")) or not _is_timestamp(entry.get("created")):
            return "a document signer without a hex serial and a creation time"
        if "key" in entry and not _is_label(entry["key"]):
            return "a document signer whose key label is not a label"
    if not isinstance(revoked, list) or not all(
        isinstance(r, dict) and _is_serial(r.get("serial")) and _is_timestamp(r.get("when")) for r in revoked
    ):
        return "revoked is not a list of serials and times"
    if type(number) is not int or number < 0:
        return "crl_number is not a whole number"
    if "backend" in state and state["backend"] not in ("file", "pkcs11"):
        return "backend is neither 'file' nor 'pkcs11'"
    if "csca_key" in state and not _is_label(state["csca_key"]):
        return "csca_key is not a label"
    if "current" in state and state["current"] not in {d["serial"] for d in signers}:
        return "current names no document signer"
    return ""


def _save_state(state: dict) -> None:
    _write(folder() / "state.json", json.dumps(state, indent=2).encode())


def initialise(now: dt.datetime, *, force: bool = False) -> x509.Certificate:
    if (folder() / "csca.pem").exists() and not force:
        raise KeystoreError(CardErrorCode.CSCA_EXISTS, folder=folder())
    serial = x509.random_serial_number()
    label = f"csca-{serial:x}"  # unique, so that a replaced CSCA's key is never overwritten on a token
    signer = _new_key(label, pki.CSCA_CURVE)
    csca = pki.make_csca(signer, now=now, serial=serial)
    _write(folder() / "csca.pem", csca.public_bytes(serialization.Encoding.PEM))
    _save_state({"backend": backend(), "csca_key": label, "document_signers": [], "revoked": [], "crl_number": 0})
    rotate_document_signer(now)
    return csca


def _check_backend(state: dict) -> None:
    held = state.get("backend", "file")
    if held != backend():
        raise KeystoreError(CardErrorCode.BACKEND_MISMATCH, folder=folder(), held=held, chosen=backend())


def _load_certificate(path: Path, code: CardErrorCode) -> x509.Certificate:
    data = _read(path, code)
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as error:
        raise KeystoreError(code, path=path) from error


def csca_certificate() -> x509.Certificate:
    """The public CSCA certificate alone: needs no passphrase, no token."""
    path = folder() / "csca.pem"
    if not path.exists():
        raise KeystoreError(CardErrorCode.NO_CSCA, folder=folder())
    return _load_certificate(path, CardErrorCode.CSCA_CORRUPT)


def csca() -> tuple[pki.Signer, x509.Certificate]:
    certificate = csca_certificate()
    state = _state()
    _check_backend(state)
    return _load_key(state.get("csca_key", "csca")), certificate


def rotate_document_signer(now: dt.datetime) -> x509.Certificate:
    csca_signer, csca_certificate = csca()
    serial = x509.random_serial_number()
    label = f"ds-{serial:x}"
    signer = _new_key(label, pki.DS_CURVE)
    certificate = pki.make_document_signer(csca_signer, csca_certificate, signer.public_key(), now=now, serial=serial)
    _write(folder() / f"ds-{serial:x}.pem", certificate.public_bytes(serialization.Encoding.PEM))
    state = _state()
    state["document_signers"].append({"serial": f"{serial:x}", "created": now.isoformat(), "key": label})
    state["current"] = f"{serial:x}"
    _save_state(state)
    return certificate


def current_document_signer_created() -> dt.datetime:
    """When the current Document Signer was made (from the state alone: no key is loaded)."""
    state = _state()
    if "current" not in state:
        raise KeystoreError(CardErrorCode.NO_DOCUMENT_SIGNER)
    entry = next(d for d in state["document_signers"] if d["serial"] == state["current"])
    return dt.datetime.fromisoformat(entry["created"])


def current_document_signer() -> tuple[pki.Signer, x509.Certificate, dt.datetime]:
    state = _state()
    if "current" not in state:
        raise KeystoreError(CardErrorCode.NO_DOCUMENT_SIGNER)
    _check_backend(state)
    serial = state["current"]
    entry = next(d for d in state["document_signers"] if d["serial"] == serial)  # _state checked it is there
    certificate = _load_certificate(folder() / f"ds-{serial}.pem", CardErrorCode.DS_CERTIFICATE_CORRUPT)
    signer = _load_key(entry.get("key", f"ds-{serial}"))
    return signer, certificate, dt.datetime.fromisoformat(entry["created"])


def revoke(serial_hex: str, now: dt.datetime) -> None:
    state = _state()
    if serial_hex not in {d["serial"] for d in state["document_signers"]}:
        raise KeystoreError(CardErrorCode.UNKNOWN_DOCUMENT_SIGNER, serial=serial_hex)
    state["revoked"].append({"serial": serial_hex, "when": now.isoformat()})
    _save_state(state)


def write_crl(now: dt.datetime) -> bytes:
    signer, certificate = csca()
    state = _state()
    state["crl_number"] += 1
    revoked = [
        (int(item["serial"], 16), dt.datetime.fromisoformat(item["when"])) for item in state["revoked"]
    ]
    crl = pki.make_crl(signer, certificate, revoked, now=now, number=state["crl_number"])
    data = crl.public_bytes(serialization.Encoding.PEM)
    _write(folder() / "crl.pem", data)
    _save_state(state)
    return data


# -- for other keys of the installation kept the same way (the status-signing key of cancuoc.relying) --------
def new_key(label: str, curve) -> pki.Signer:
    """A new private key under ``label`` in this keystore's backend (an encrypted file, or the token)."""
    return _new_key(label, curve)


def load_key(label: str) -> pki.Signer:
    return _load_key(label)


def write_file(path: Path, data: bytes, private: bool = False) -> None:
    """Write a file of the keystore atomically (owner-only when ``private``)."""
    _write(path, data, private)
