"""The national PKI for chip data: a CSCA, Document Signers (DS), CRLs, and signing through an interface
that a hardware security module can implement (see docs/adr/0004-card-pki.md).

Profile (ICAO 9303 Part 12): CSCA self-signed, ECDSA P-384 / SHA-384, keyCertSign + cRLSign, basic
constraints CA with path length 0, 15 years; DS ECDSA P-256 / SHA-256, digitalSignature, signed by the
CSCA, certificate valid for the private-key usage period plus the card lifetime it must cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

COUNTRY = "VN"
CSCA_CURVE, CSCA_HASH = ec.SECP384R1(), hashes.SHA384()
DS_CURVE, DS_HASH = ec.SECP256R1(), hashes.SHA256()


class Signer(Protocol):
    """Whatever holds a private key: software (encrypted at rest) or an HSM through PKCS#11."""

    def public_key(self): ...

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        """A DER-encoded ECDSA signature (or RSA signature) of ``data``."""
        ...


@dataclass
class SoftwareSigner:
    private_key: ec.EllipticCurvePrivateKey

    def public_key(self):
        return self.private_key.public_key()

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        return self.private_key.sign(data, ec.ECDSA(algorithm))

    def encrypted_pem(self, passphrase: bytes) -> bytes:
        """PKCS#8, encrypted with the passphrase: the only form in which a key is written to disk."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )

    @classmethod
    def from_encrypted_pem(cls, data: bytes, passphrase: bytes) -> SoftwareSigner:
        return cls(serialization.load_pem_private_key(data, password=passphrase))

    @classmethod
    def generate(cls, curve=DS_CURVE) -> SoftwareSigner:
        return cls(ec.generate_private_key(curve))


def _name(common_name: str, organisation: str = "Bộ Công an") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])  # fmt: skip


def _resign(der: bytes, signer: Signer, algorithm, loader, tbs_field: str, signature_field: str) -> bytes:
    """``der`` (a certificate or CRL signed with a throw-away key) signed again by ``signer`` over the same
    to-be-signed bytes: ``cryptography``'s builders only sign with keys they hold, an HSM key is not one."""
    signed = loader(der)
    tbs = signed[tbs_field]
    signed[signature_field] = signer.sign(tbs.dump(), algorithm)
    return signed.dump(force=False)


def _throwaway_key():
    return ec.generate_private_key(ec.SECP256R1())  # only its algorithm (ECDSA) reaches the output


def _sign_certificate(builder: x509.CertificateBuilder, signer: Signer, algorithm) -> x509.Certificate:
    if isinstance(signer, SoftwareSigner):
        return builder.sign(signer.private_key, algorithm)
    from asn1crypto import x509 as asn1_x509

    draft = builder.sign(_throwaway_key(), algorithm).public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_certificate(
        _resign(draft, signer, algorithm, asn1_x509.Certificate.load, "tbs_certificate", "signature_value")
    )


def make_csca(signer: Signer, *, now: dt.datetime, years: int = 15, serial: int | None = None,
              common_name: str = "CSCA Viet Nam") -> x509.Certificate:  # fmt: skip
    public_key = signer.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    return _sign_certificate(builder, signer, CSCA_HASH)


def make_document_signer(csca_signer: Signer, csca: x509.Certificate, ds_public_key, *, now: dt.datetime,
                         usage_days: int = 90, card_years: int = 45, serial: int | None = None,
                         common_name: str = "Document Signer Viet Nam") -> x509.Certificate:  # fmt: skip
    """A DS certificate: its key signs for ``usage_days``; the certificate stays valid as long as the
    longest card signed in that period (``card_years``), so verifiers can check old cards."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(csca.subject)
        .public_key(ds_public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=usage_days + 365 * card_years))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.PrivateKeyUsagePeriod(now, now + dt.timedelta(days=usage_days)), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ds_public_key), critical=False)
    )
    return _sign_certificate(builder, csca_signer, CSCA_HASH)


def make_crl(csca_signer: Signer, csca: x509.Certificate, revoked: list[tuple[int, dt.datetime]], *,
             now: dt.datetime, next_update_days: int = 90, number: int = 1) -> x509.CertificateRevocationList:  # fmt: skip
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.public_key()), critical=False)
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    if isinstance(csca_signer, SoftwareSigner):
        return builder.sign(csca_signer.private_key, CSCA_HASH)
    from asn1crypto import crl as asn1_crl

    draft = builder.sign(_throwaway_key(), CSCA_HASH).public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_crl(
        _resign(draft, csca_signer, CSCA_HASH, asn1_crl.CertificateList.load, "tbs_cert_list", "signature")
    )
