"""Keys held by a hardware security module, through PKCS#11 (python-pkcs11).

``Pkcs11Signer`` implements the ``pki.Signer`` protocol: the private key is generated on the token,
marked sensitive and not extractable, and never leaves it; the token signs the digest (CKM_ECDSA) and
the raw ``r || s`` it returns is encoded as the DER ECDSA-Sig-Value that X.509 and CMS carry. Tested
against SoftHSM (Debian's ``softhsm2``); any PKCS#11 module works the same way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key


class HsmError(RuntimeError):
    """The token is missing, locked, or holds no such key; the message says which."""


_libraries: dict[str, object] = {}
# PKCS#11 logs in an application, not a session: one logged-in session per token and process, shared.
_sessions: dict[tuple[str, str], tuple[str, object]] = {}
_lock = threading.Lock()


def _library(module_path: str):
    import pkcs11

    with _lock:
        if module_path not in _libraries:
            try:
                _libraries[module_path] = pkcs11.lib(module_path)
            except (OSError, RuntimeError, pkcs11.PKCS11Error) as error:
                raise HsmError(f"Không nạp được mô-đun PKCS#11 {module_path} / cannot load it: {error}") from error
        return _libraries[module_path]


@dataclass(frozen=True)
class Pkcs11Token:
    module_path: str
    token_label: str
    pin: str = field(repr=False)

    def session(self):
        """The process's logged-in read-write session on this token, opened on first use."""
        import pkcs11

        key = (self.module_path, self.token_label)
        with _lock:
            if key in _sessions:
                pin, session = _sessions[key]
                if pin != self.pin:  # the token accepted another PIN: this one is wrong
                    raise HsmError("Sai mã PIN của token / wrong token PIN")
                return session
        library = _library(self.module_path)
        try:
            session = library.get_token(token_label=self.token_label).open(user_pin=self.pin, rw=True)
        except pkcs11.NoSuchToken as error:
            raise HsmError(f"Không có token «{self.token_label}» / no PKCS#11 token labelled so") from error
        except pkcs11.PinIncorrect as error:
            raise HsmError("Sai mã PIN của token / wrong token PIN") from error
        except pkcs11.PKCS11Error as error:
            raise HsmError(f"PKCS#11: {type(error).__name__} {error}") from error
        with _lock:
            _sessions[key] = (self.pin, session)
        return session


class Pkcs11Signer:
    def __init__(self, token: Pkcs11Token, label: str):
        self.token, self.label = token, label
        self._private = None
        self._public = None

    @classmethod
    def generate(cls, token: Pkcs11Token, label: str, curve: ec.EllipticCurve) -> Pkcs11Signer:
        """A new key pair on the token: the private half sensitive, not extractable, labelled ``label``."""
        import pkcs11
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_named_curve_parameters

        session = token.session()
        if any(True for _ in session.get_objects({Attribute.LABEL: label})):
            raise HsmError(f"Token đã có khóa «{label}» / the token already holds a key labelled so")
        try:
            parameters = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve.name)}, local=True
            )
            parameters.generate_keypair(
                store=True, label=label,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True},
                public_template={Attribute.VERIFY: True},
            )  # fmt: skip
        except pkcs11.PKCS11Error as error:
            raise HsmError(f"Token không tạo được khóa / the token could not generate the key: {error!r}") from error
        return cls(token, label)

    def _keys(self):
        import pkcs11
        from pkcs11 import KeyType, ObjectClass

        if self._private is None:
            session = self.token.session()
            try:
                self._private = session.get_key(ObjectClass.PRIVATE_KEY, KeyType.EC, label=self.label)
                public = session.get_key(ObjectClass.PUBLIC_KEY, KeyType.EC, label=self.label)
            except pkcs11.NoSuchKey as error:
                raise HsmError(f"Token không có khóa «{self.label}» / no key labelled so on the token") from error
            from pkcs11.util.ec import encode_ec_public_key

            self._public = load_der_public_key(encode_ec_public_key(public))
        return self._private, self._public

    def public_key(self):
        return self._keys()[1]

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        from pkcs11 import Mechanism

        private = self._keys()[0]
        digest = hashes.Hash(algorithm)
        digest.update(data)
        raw = private.sign(digest.finalize(), mechanism=Mechanism.ECDSA)
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))

    def private_key_is_extractable(self) -> bool:
        from pkcs11 import Attribute

        private, _public = self._keys()
        return bool(private[Attribute.EXTRACTABLE]) or not bool(private[Attribute.SENSITIVE])


SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                   "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")  # fmt: skip


def softhsm_module() -> str | None:
    """Debian's SoftHSM module and its `softhsm2-util`, if both are installed."""
    import shutil
    from pathlib import Path

    module = next((path for path in SOFTHSM_MODULES if Path(path).exists()), None)
    return module if module and shutil.which("softhsm2-util") else None


def create_softhsm_token(folder, label: str, pin: str, so_pin: str) -> Pkcs11Token:
    """A fresh software token kept in ``folder``, for development, tests and benchmarks (no hardware).

    SoftHSM reads its configuration (``SOFTHSM2_CONF``) when the module is first loaded, so this is
    called before any other use of the module in the process."""
    import os
    import subprocess
    from pathlib import Path

    module = softhsm_module()
    if module is None:
        raise HsmError("SoftHSM chưa được cài / is not installed (apt-get install softhsm2)")
    folder = Path(folder)
    (folder / "tokens").mkdir(parents=True, exist_ok=True)
    config = folder / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
                   check=True, capture_output=True)  # fmt: skip
    return Pkcs11Token(module, label, pin)
