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

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from . import hsm, pki

DEV_PASSPHRASE = b"cancuoc-development-only-passphrase"


class KeystoreError(Exception):
    pass


def folder() -> Path:
    return Path(os.environ.get("CANCUOC_PKI_DIR") or Path(settings.VAR_DIR) / "pki")


def passphrase() -> bytes:
    value = os.environ.get("CANCUOC_PKI_PASSPHRASE")
    if value:
        return value.encode()
    if getattr(settings, "PRODUCTION", False):
        raise KeystoreError("Cần đặt CANCUOC_PKI_PASSPHRASE khi chạy thật / CANCUOC_PKI_PASSPHRASE must be set in production")
    return DEV_PASSPHRASE


def backend() -> str:
    name = os.environ.get("CANCUOC_PKI_BACKEND", "file")
    if name not in ("file", "pkcs11"):
        raise KeystoreError(f"CANCUOC_PKI_BACKEND={name}: phải là / must be 'file' or 'pkcs11'")
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
        raise KeystoreError("CANCUOC_PKCS11_MODULE, CANCUOC_PKCS11_TOKEN và/and CANCUOC_PKCS11_PIN phải được đặt / must be set")
    key = (module, label, pin)
    if key not in _tokens:
        _tokens[key] = hsm.Pkcs11Token(module, label, pin)
    return _tokens[key]


def _new_key(label: str, curve) -> pki.Signer:
    """A new private key under ``label``: on the token, or as an encrypted file ``LABEL.key.pem``."""
    if backend() == "pkcs11":
        try:
            return hsm.Pkcs11Signer.generate(_token(), label, curve)
        except hsm.HsmError as error:
            raise KeystoreError(str(error)) from error
    signer = pki.SoftwareSigner.generate(curve)
    _write(folder() / f"{label}.key.pem", signer.encrypted_pem(passphrase()), private=True)
    return signer


def _load_key(label: str) -> pki.Signer:
    if backend() == "pkcs11":
        signer = hsm.Pkcs11Signer(_token(), label)
        try:
            signer.public_key()  # fails now, with the reason, if the token or the key is missing
        except hsm.HsmError as error:
            raise KeystoreError(str(error)) from error
        return signer
    path = folder() / f"{label}.key.pem"
    try:
        return pki.SoftwareSigner.from_encrypted_pem(path.read_bytes(), passphrase())
    except FileNotFoundError as error:
        raise KeystoreError(f"Thiếu khóa / missing key {path}") from error
    except (ValueError, TypeError) as error:
        raise KeystoreError(f"Không giải mã được {path.name}: sai CANCUOC_PKI_PASSPHRASE? / cannot decrypt it: wrong CANCUOC_PKI_PASSPHRASE?") from error


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    if private:
        temporary.chmod(0o600)
    temporary.replace(path)  # atomic: a crash never leaves half a key


def _state() -> dict:
    path = folder() / "state.json"
    return (
        json.loads(path.read_text())
        if path.exists()
        else {"document_signers": [], "revoked": [], "crl_number": 0}
    )


def _save_state(state: dict) -> None:
    _write(folder() / "state.json", json.dumps(state, indent=2).encode())


def initialise(now: dt.datetime, *, force: bool = False) -> x509.Certificate:
    if (folder() / "csca.pem").exists() and not force:
        raise KeystoreError(f"Đã có CSCA trong {folder()}; dùng --force để thay / a CSCA already exists there; use --force to replace it")
    serial = x509.random_serial_number()
    label = f"csca-{serial:x}"  # unique, so that a replaced CSCA's key is never overwritten on a token
    signer = _new_key(label, pki.CSCA_CURVE)
    csca = pki.make_csca(signer, now=now, serial=serial)
    _write(folder() / "csca.pem", csca.public_bytes(serialization.Encoding.PEM))
    _save_state({"backend": backend(), "csca_key": label, "document_signers": [], "revoked": [], "crl_number": 0})
    rotate_document_signer(now)
    return csca


def _check_backend(state: dict) -> None:
    if state.get("backend", "file") != backend():
        raise KeystoreError(f"Khóa trong {folder()} do kho '{state.get('backend', 'file')}' giữ, không phải '{backend()}' / "
                            f"the keys there are held by backend '{state.get('backend', 'file')}', not '{backend()}' "
                            "(CANCUOC_PKI_BACKEND)")  # fmt: skip


def csca() -> tuple[pki.Signer, x509.Certificate]:
    if not (folder() / "csca.pem").exists():
        raise KeystoreError(f"Chưa có CSCA trong {folder()}: chạy `cancuoc pki init` / no CSCA there: run `cancuoc pki init` first")
    state = _state()
    _check_backend(state)
    certificate = x509.load_pem_x509_certificate((folder() / "csca.pem").read_bytes())
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


def current_document_signer() -> tuple[pki.Signer, x509.Certificate, dt.datetime]:
    state = _state()
    if "current" not in state:
        raise KeystoreError("Chưa có Document Signer: chạy `cancuoc pki init` / no Document Signer: run `cancuoc pki init`")
    _check_backend(state)
    serial = state["current"]
    entry = next(d for d in state["document_signers"] if d["serial"] == serial)
    certificate = x509.load_pem_x509_certificate((folder() / f"ds-{serial}.pem").read_bytes())
    signer = _load_key(entry.get("key", f"ds-{serial}"))
    return signer, certificate, dt.datetime.fromisoformat(entry["created"])


def revoke(serial_hex: str, now: dt.datetime) -> None:
    state = _state()
    if serial_hex not in {d["serial"] for d in state["document_signers"]}:
        raise KeystoreError(f"Không có Document Signer số {serial_hex} / no Document Signer with that serial")
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
