"""Field encryption: a value sealed under one key of a keyring, and blind indexes for exact lookups.

A sealed value is one text, `v1:<kid>:<nonce>:<ciphertext>` (nonce and ciphertext with its tag in
unpadded base64url), so it fits the string column it replaces and names the key that opens it. Each
key declares its cipher: `aes256` (AES-256-GCM) or `sm4` (SM4-GCM, for 商用密码 deployments; through
OpenSSL's GCM, which `cryptography` exposes for SM4 in its `Cipher` API, not as an AEAD class). A
96-bit random nonce per value. The associated data (`context`) binds a value to where it belongs
(a column of one row, a topic): a value copied elsewhere does not open.

The blind index is an HMAC (SHA-256, or SM3) of a normalised value under its own key, hex: equal
inputs give equal indexes, so an exact lookup is an indexed equality, never a scan that decrypts.
"""

import base64
import binascii
import hmac as std_hmac
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Algorithm = Literal["aes256", "sm4"]
IndexHash = Literal["sha256", "sm3"]
KEY_BYTES: dict[str, int] = {"aes256": 32, "sm4": 16}
PREFIX = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class KeyringError(ValueError):
    """The keyring's configuration is wrong (a bad key, an unknown current kid)."""


class SealedValueError(ValueError):
    """A sealed value cannot be opened: malformed, tampered with, or sealed for another context."""


class UnknownKeyError(SealedValueError):
    """A sealed value names a key id this keyring does not hold."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Key:
    kid: str
    algorithm: Algorithm
    secret: bytes = field(repr=False)
    # Built once: a new AESGCM per value was most of sealing one (docs/performance.md).
    _aead: AESGCM | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if not _KID.match(self.kid):
            raise KeyringError(f"key id {self.kid!r}: letters, digits, '_', '.', '-', at most 32")
        if self.algorithm not in KEY_BYTES:
            raise KeyringError(f"key {self.kid}: unknown algorithm {self.algorithm!r} (aes256 or sm4)")
        if len(self.secret) != KEY_BYTES[self.algorithm]:
            raise KeyringError(f"key {self.kid}: {self.algorithm} needs {KEY_BYTES[self.algorithm]} bytes, "
                               f"got {len(self.secret)}")
        if self.algorithm == "aes256":
            object.__setattr__(self, "_aead", AESGCM(self.secret))

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        if self._aead is not None:
            return self._aead.encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        if self._aead is not None:
            return self._aead.decrypt(nonce, sealed, aad)
        if len(sealed) < _TAG_BYTES:
            raise InvalidTag
        body, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body) + decryptor.finalize()


def parse_key(kid: str, spec: str) -> Key:
    """`aes256:<base64>`, `sm4:<base64>`, or a bare `<base64>` (AES-256)."""
    algorithm, colon, encoded = spec.strip().partition(":")
    if not colon:
        algorithm, encoded = "aes256", algorithm
    try:
        secret = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise KeyringError(f"key {kid}: not base64 ({error})") from None
    return Key(kid=kid, algorithm=algorithm, secret=secret)  # type: ignore[arg-type]  # checked in __post_init__


class Keyring:
    """Keys by id; new values are sealed under `current`, any held key opens what it sealed; values
    crossing to another service are sealed under `transport`, a key only the two of them hold."""

    def __init__(
        self, keys: list[Key], *, current: str, index_key: bytes, index_hash: IndexHash = "sha256",
        transport: str | None = None,
    ) -> None:
        self.keys = {key.kid: key for key in keys}
        if len(self.keys) != len(keys):
            raise KeyringError("two keys share an id")
        for role, kid in (("current", current), ("transport", transport or current)):
            if kid not in self.keys:
                raise KeyringError(f"the {role} key id {kid!r} is not in the keyring ({', '.join(self.keys)})")
        if len(index_key) < 32:
            raise KeyringError("the blind-index key needs at least 32 bytes")
        if index_hash not in ("sha256", "sm3"):
            raise KeyringError(f"unknown blind-index hash {index_hash!r} (sha256 or sm3)")
        self.current = current
        self.transport = transport or current  # the contacts topic's key, shared by intake and notify only
        self._index_key = index_key
        self._index_hash = index_hash

    def seal(self, plaintext: str, *, context: str, kid: str | None = None) -> str:
        """`plaintext` encrypted under `kid` (the current key by default), bound to `context`."""
        key = self._key(kid or self.current)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = key.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{PREFIX}:{key.kid}:{_b64(nonce)}:{_b64(sealed)}"

    def open(self, value: str, *, context: str) -> str:
        """The plaintext of a sealed value; `SealedValueError` (or `UnknownKeyError`) if it cannot be."""
        kid, nonce, sealed = _parts(value)
        key = self._key(kid)
        try:
            return key.decrypt(nonce, sealed, context.encode("utf-8")).decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise SealedValueError(
                f"a value sealed under key {kid} does not open: tampered with, or sealed for another place "
                f"than {context!r}") from None

    def seal_optional(self, plaintext: str | None, *, context: str) -> str | None:
        return None if plaintext is None else self.seal(plaintext, context=context)

    def open_optional(self, value: str | None, *, context: str) -> str | None:
        return None if value is None else self.open(value, context=context)

    def is_current(self, value: str) -> bool:
        """Whether `value` is sealed under the current key (rotation leaves those alone)."""
        return is_sealed(value) and value.split(":", 2)[1] == self.current

    def blind_index(self, kind: str, value: str) -> str:
        """The keyed hash of a normalised value, for exact lookups: `kind` ("phone", "id_number",
        "credit_code", "name") keeps equal values of different kinds apart."""
        message = f"{kind}\x00{normalise(kind, value)}".encode()
        if self._index_hash == "sha256":
            return std_hmac.digest(self._index_key, message, "sha256").hex()
        mac = hmac.HMAC(self._index_key, hashes.SM3())
        mac.update(message)
        return mac.finalize().hex()

    def same_index(self, a: str, b: str) -> bool:
        return std_hmac.compare_digest(a, b)

    def _key(self, kid: str) -> Key:
        try:
            return self.keys[kid]
        except KeyError:
            raise UnknownKeyError(
                f"no key {kid!r} in the keyring (held: {', '.join(sorted(self.keys))}); add it to "
                "BANCHENG_PII_KEYS") from None


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":") and value.count(":") == 3


def _parts(value: str) -> tuple[str, bytes, bytes]:
    if not is_sealed(value):
        raise SealedValueError("not a sealed value (expected v1:<kid>:<nonce>:<ciphertext>)")
    _prefix, kid, nonce, sealed = value.split(":")
    try:
        nonce_bytes, sealed_bytes = _unb64(nonce), _unb64(sealed)
    except (binascii.Error, ValueError):
        raise SealedValueError(f"a value sealed under key {kid} is not base64url") from None
    if len(nonce_bytes) != _NONCE_BYTES:
        raise SealedValueError(f"a value sealed under key {kid} has a {len(nonce_bytes)}-byte nonce")
    return kid, nonce_bytes, sealed_bytes


def normalise(kind: str, value: str) -> str:
    """What a blind index hashes: a phone's digits (a mobile's last 11: `+86 138-1234-5678` is
    `13812345678`), an ID number or credit code upper-case without spaces (the check character `x` is
    `X`), a name in its compatibility form (NFKC: full-width letters are plain), without spaces, case
    folded, every middle dot of a minority or foreign name (`·`, `•`, `・`) one `·`."""
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        return digits[-11:] if len(digits) >= 11 and digits[-11] == "1" else digits
    if kind in ("id_number", "credit_code"):
        return re.sub(r"\s", "", value).upper()
    if kind == "name":
        return re.sub(r"[•・‧]", "·", re.sub(r"\s", "", unicodedata.normalize("NFKC", value))).casefold()
    raise ValueError(f"no blind index for {kind!r}")
