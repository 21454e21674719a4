"""The audit signing key: loaded from the PEM file in settings, generated there only outside production;
rotated by writing its public key among the retired ones and a new key in its place."""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.audit.config import AuditSettings
from services.audit.domain.signing import (
    generate_signing_key,
    key_id,
    keyring,
    load_private_key_file,
    load_public_key_pem,
    private_key_to_pem,
    public_key_to_pem,
)


class SigningKeyError(ValueError):
    """No usable signing key: one clear line for the operator."""


def load_signing_key(settings: AuditSettings) -> Ed25519PrivateKey:
    """Raises SigningKeyError (a ValueError, so the CLI exits with one line)."""
    path: Path = settings.signing_key_path
    password = settings.signing_key_password.encode() if settings.signing_key_password else None
    if not path.exists():
        if settings.environment == "production":
            raise SigningKeyError(f"audit signing key {path} does not exist; set BANCHENG_AUDIT_SIGNING_KEY_PATH")
        key = generate_signing_key()
        _write_private_key(path, key, password)
        return key
    try:
        return load_private_key_file(path, password=password)
    except ValueError as error:
        raise SigningKeyError(f"audit signing key {path}: {error}") from error


def verifying_keys(settings: AuditSettings) -> dict[str, Ed25519PublicKey]:
    """The current key's public half and every retired one, by key id."""
    retired = sorted(settings.retired_keys_dir.glob("*.pem")) if settings.retired_keys_dir.is_dir() else []
    try:
        return keyring(load_signing_key(settings).public_key(), *(load_public_key_pem(p.read_bytes()) for p in retired))
    except ValueError as error:
        raise SigningKeyError(f"retired audit keys in {settings.retired_keys_dir}: {error}") from error


def rotate_signing_key(settings: AuditSettings) -> tuple[str, str]:
    """Retire the current key (its public half kept, so what it signed still verifies) and put a new one in its
    place; the audit service signs with the new key once restarted. Returns the old and new key ids."""
    old = load_signing_key(settings)
    old_id = key_id(old.public_key())
    settings.retired_keys_dir.mkdir(parents=True, exist_ok=True)
    (settings.retired_keys_dir / f"{old_id}.pem").write_bytes(public_key_to_pem(old.public_key()))
    new = generate_signing_key()
    password = settings.signing_key_password.encode() if settings.signing_key_password else None
    staged = settings.signing_key_path.with_name(settings.signing_key_path.name + ".new")
    staged.unlink(missing_ok=True)
    _write_private_key(staged, new, password)
    os.replace(staged, settings.signing_key_path)  # the old private key is gone at once, never half-written
    return old_id, key_id(new.public_key())


def _write_private_key(path: Path, key: Ed25519PrivateKey, password: bytes | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created owner-only from the start: the key never exists world-readable, even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_key_to_pem(key, password=password))
