import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from cancuoc.icao import pki

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def national_pki():
    """(CSCA signer, CSCA certificate, DS signer, DS certificate), made once for the card tests."""
    csca_signer = pki.SoftwareSigner.generate(pki.CSCA_CURVE)
    csca = pki.make_csca(csca_signer, now=NOW)
    ds_signer = pki.SoftwareSigner.generate()
    ds = pki.make_document_signer(csca_signer, csca, ds_signer.public_key(), now=NOW)
    return csca_signer, csca, ds_signer, ds


def der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)
