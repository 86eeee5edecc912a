"""Signature verification for what real documents use: RSA PKCS#1 v1.5, RSA-PSS and ECDSA, including EC
keys with explicit curve parameters (brainpool and others) that OpenSSL 3 and ``cryptography`` refuse.

Keys and signatures arrive as asn1crypto objects from certificates and CMS. Named-curve and RSA keys are
verified by ``cryptography``; a key with explicit parameters is verified here with plain integer
arithmetic on its own curve (slower, only for foreign documents: ours use named curves).
"""

from __future__ import annotations

import functools
import hashlib

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
          "sha512": hashes.SHA512}  # fmt: skip


class SignatureProblem(Exception):
    """The signature could not be checked or is wrong; the message says which."""


def verify(public_key: keys.PublicKeyInfo, algorithm: algos.SignedDigestAlgorithm, signature: bytes, data: bytes,
           digest_name: str | None = None) -> None:  # fmt: skip
    """Raise SignatureProblem unless ``signature`` over ``data`` verifies with ``public_key``."""
    try:
        scheme = algorithm.signature_algo
    except ValueError as error:
        raise SignatureProblem(f"unknown signature algorithm {algorithm['algorithm'].dotted}") from error
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = digest_name
    if scheme == "rsassa_pss":
        hash_name = algorithm["parameters"]["hash_algorithm"]["algorithm"].native
    if hash_name not in HASHES:
        raise SignatureProblem(f"unsupported hash {hash_name!r}")
    if (
        scheme == "ecdsa"
        and public_key.algorithm == "ec"
        and public_key["algorithm"]["parameters"].name == "specified"
    ):
        _verify_explicit_ecdsa(public_key, signature, hashlib.new(hash_name, data).digest())
        return
    try:
        key = _load_key(public_key.dump())
    except (ValueError, UnsupportedAlgorithm) as error:
        raise SignatureProblem(f"cannot load the public key: {error}") from error
    chosen = HASHES[hash_name]()
    try:
        if scheme == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), chosen)
        elif scheme == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = algorithm["parameters"]
            mgf_hash = HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
            key.verify(
                signature, data, padding.PSS(padding.MGF1(mgf_hash), params["salt_length"].native), chosen
            )
        elif scheme == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(chosen))
        else:
            raise SignatureProblem(f"signature scheme {scheme} does not match the {public_key.algorithm} key")
    except InvalidSignature as error:
        raise SignatureProblem("signature does not verify") from error


@functools.lru_cache(maxsize=4096)  # a verifier meets the same DS and CSCA keys for every card
def _load_key(der: bytes):
    return load_der_public_key(der)


def _verify_explicit_ecdsa(public_key: keys.PublicKeyInfo, signature: bytes, digest: bytes) -> None:
    params = public_key["algorithm"]["parameters"].chosen
    if params["field_id"]["field_type"].native != "prime_field":
        raise SignatureProblem("only prime-field curves are supported")
    p = params["field_id"]["parameters"].native
    a = int.from_bytes(params["curve"]["a"].native, "big")
    n = params["order"].native
    generator = _decode_point(params["base"].native, p)
    point = _decode_point(public_key["public_key"].native, p)
    try:
        r, s = (int(v) for v in algos.DSASignature.load(signature).native.values())
    except (ValueError, TypeError) as error:
        raise SignatureProblem("malformed ECDSA signature") from error
    if not (0 < r < n and 0 < s < n):
        raise SignatureProblem("ECDSA signature out of range")
    e = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - n.bit_length()
    if excess > 0:
        e >>= excess
    w = pow(s, -1, n)
    result = _add(_multiply(generator, e * w % n, a, p), _multiply(point, r * w % n, a, p), a, p)
    if result is None or result[0] % n != r:
        raise SignatureProblem("signature does not verify")


def _decode_point(data: bytes, p: int) -> tuple[int, int]:
    if not data or data[0] != 4:
        raise SignatureProblem("only uncompressed EC points are supported")
    size = (len(data) - 1) // 2
    return int.from_bytes(data[1 : 1 + size], "big") % p, int.from_bytes(data[1 + size :], "big") % p


def _add(P, Q, a, p):
    if P is None:
        return Q
    if Q is None:
        return P
    if P[0] == Q[0] and (P[1] + Q[1]) % p == 0:
        return None
    if P == Q:
        slope = (3 * P[0] * P[0] + a) * pow(2 * P[1], -1, p) % p
    else:
        slope = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
    x = (slope * slope - P[0] - Q[0]) % p
    return x, (slope * (P[0] - x) - P[1]) % p


def _multiply(P, k, a, p):
    result = None
    while k:
        if k & 1:
            result = _add(result, P, a, p)
        P = _add(P, P, a, p)
        k >>= 1
    return result
