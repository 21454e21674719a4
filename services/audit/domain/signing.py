"""Ed25519 keys for checkpoints and exports: generate, save and load as PEM, identify by key id."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# What verifies: one public key, or several by key id — the current key and the retired ones, whose
# signatures on older checkpoints and exports stay valid after a rotation.
VerifyingKeys = Ed25519PublicKey | Mapping[str, Ed25519PublicKey]


class KeyFormatError(ValueError):
    """The PEM data is not an Ed25519 key of the expected kind (or the password is wrong)."""


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey, *, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted when a password is given."""
    encryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM: what an outside auditor receives."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key_pem(data: bytes, *, password: bytes | None = None) -> Ed25519PrivateKey:
    """Raises KeyFormatError for non-Ed25519, malformed data or a wrong password."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as error:
        raise KeyFormatError(f"cannot load private key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def load_private_key_file(path: Path, *, password: bytes | None = None) -> Ed25519PrivateKey:
    return load_private_key_pem(path.read_bytes(), password=password)


def load_public_key_pem(data: bytes) -> Ed25519PublicKey:
    """Raises KeyFormatError for non-Ed25519 or malformed data."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise KeyFormatError(f"cannot load public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw public key: names the key in signed documents."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """Base64 signature."""
    return base64.b64encode(key.sign(message)).decode()


def signature_is_valid(key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def keyring(*keys: Ed25519PublicKey) -> dict[str, Ed25519PublicKey]:
    """Public keys by their key id."""
    return {key_id(key): key for key in keys}


def key_for(keys: VerifyingKeys, wanted: str) -> Ed25519PublicKey | None:
    """The key a document names by `wanted` key id, when it is among `keys`."""
    if isinstance(keys, Ed25519PublicKey):
        return keys if key_id(keys) == wanted else None
    return keys.get(wanted)
