"""The pure parts: API key format, what a caller sends (EF.SOD hash, MRZ, nonce), the canonical form and
signature of documents. No database."""

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.icao.pki import SoftwareSigner
from cancuoc.relying import apikeys, documents

from .conftest import MRZ


def test_keys_are_distinct_parse_and_match_only_their_hash():
    key, key_id, stored = apikeys.new_key()
    other, _other_id, _other_hash = apikeys.new_key()
    assert key != other and key.startswith(f"cc_{key_id}_")
    parsed_id, secret = apikeys.parse(key)
    assert parsed_id == key_id and apikeys.matches(secret, stored)
    assert not apikeys.matches(secret[:-1] + ("A" if secret[-1] != "A" else "B"), stored)
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored


@given(st.text(max_size=300))
def test_anything_else_is_not_a_key(text):
    parsed = apikeys.parse(text)
    assert parsed is None or (text.startswith("cc_") and len(text) == 3 + 12 + 1 + 43)


def test_bearer_header():
    assert apikeys.bearer("Bearer abc") == "abc" and apikeys.bearer("bearer  abc ") == "abc"
    assert apikeys.bearer("Basic abc") is None and apikeys.bearer("Bearer") is None and apikeys.bearer(None) is None


def test_what_a_caller_sends():
    digest = "A" * 64
    assert documents.sod_hash(digest) == "a" * 64 and documents.sod_hash("g" * 64) is None
    assert documents.sod_hash("a" * 63) is None and documents.sod_hash(12) is None
    mrz = "\n".join(MRZ)
    expected = hashlib.sha256(mrz.encode()).hexdigest()
    assert documents.mrz_hash(mrz) == documents.mrz_hash("\r\n".join(MRZ)) == expected
    assert documents.mrz_hash("  " + mrz.lower() + "\n") == expected
    assert documents.mrz_hash("\n".join(MRZ[:2])) is None and documents.mrz_hash(mrz.replace("<", "-")) is None
    assert documents.nonce("a-b_C9") == "a-b_C9" and documents.nonce("a b") is None and documents.nonce("x" * 65) is None


@given(st.dictionaries(st.text(max_size=8).filter(lambda k: k != "signature"),
                       st.one_of(st.text(max_size=20), st.integers(), st.booleans()), max_size=6))  # fmt: skip
def test_signed_documents_verify_and_fail_when_changed(document):
    signer = SoftwareSigner.generate(ec.SECP256R1())
    key_id = documents.key_id(signer.public_key())
    signed = documents.sign(document, signer, key_id)
    keys = {key_id: signer.public_key()}
    assert documents.signature_problem(signed, keys) == ""
    assert documents.canonical(signed) == documents.canonical({k: signed[k] for k in reversed(list(signed))})
    assert documents.signature_problem({**signed, "extra": "x"}, keys) == "signature does not match"
    assert documents.signature_problem({**signed, "signature": "not base64!"}, keys) == "signature does not match"
    assert documents.signature_problem(signed, {}).startswith("unknown key id")
