"""Where the national PKI's keys and certificates live: a folder (``var/pki`` by default,
``CANCUOC_PKI_DIR``), private keys only as encrypted PKCS#8 (passphrase ``CANCUOC_PKI_PASSPHRASE``).

A hardware security module replaces the key files through the ``Signer`` interface (docs/adr/0004).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from . import pki

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
        raise KeystoreError("CANCUOC_PKI_PASSPHRASE must be set in production")
    return DEV_PASSPHRASE


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
        raise KeystoreError(f"a CSCA already exists in {folder()}; use --force to replace it")
    signer = pki.SoftwareSigner.generate(pki.CSCA_CURVE)
    csca = pki.make_csca(signer, now=now)
    _write(folder() / "csca.key.pem", signer.encrypted_pem(passphrase()), private=True)
    _write(folder() / "csca.pem", csca.public_bytes(serialization.Encoding.PEM))
    _save_state({"document_signers": [], "revoked": [], "crl_number": 0})
    rotate_document_signer(now)
    return csca


def csca() -> tuple[pki.SoftwareSigner, x509.Certificate]:
    if not (folder() / "csca.pem").exists():
        raise KeystoreError(f"no CSCA in {folder()}: run `cancuoc pki init` first")
    certificate = x509.load_pem_x509_certificate((folder() / "csca.pem").read_bytes())
    try:
        signer = pki.SoftwareSigner.from_encrypted_pem((folder() / "csca.key.pem").read_bytes(), passphrase())
    except (ValueError, TypeError) as error:
        raise KeystoreError("cannot decrypt the CSCA key: wrong CANCUOC_PKI_PASSPHRASE?") from error
    return signer, certificate


def rotate_document_signer(now: dt.datetime) -> x509.Certificate:
    csca_signer, csca_certificate = csca()
    signer = pki.SoftwareSigner.generate()
    certificate = pki.make_document_signer(csca_signer, csca_certificate, signer.public_key(), now=now)
    serial = f"{certificate.serial_number:x}"
    _write(folder() / f"ds-{serial}.key.pem", signer.encrypted_pem(passphrase()), private=True)
    _write(folder() / f"ds-{serial}.pem", certificate.public_bytes(serialization.Encoding.PEM))
    state = _state()
    state["document_signers"].append({"serial": serial, "created": now.isoformat()})
    state["current"] = serial
    _save_state(state)
    return certificate


def current_document_signer() -> tuple[pki.SoftwareSigner, x509.Certificate, dt.datetime]:
    state = _state()
    if "current" not in state:
        raise KeystoreError("no Document Signer: run `cancuoc pki init`")
    serial = state["current"]
    created = dt.datetime.fromisoformat(
        next(d["created"] for d in state["document_signers"] if d["serial"] == serial)
    )
    certificate = x509.load_pem_x509_certificate((folder() / f"ds-{serial}.pem").read_bytes())
    signer = pki.SoftwareSigner.from_encrypted_pem(
        (folder() / f"ds-{serial}.key.pem").read_bytes(), passphrase()
    )
    return signer, certificate, created


def revoke(serial_hex: str, now: dt.datetime) -> None:
    state = _state()
    if serial_hex not in {d["serial"] for d in state["document_signers"]}:
        raise KeystoreError(f"no Document Signer with serial {serial_hex}")
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
