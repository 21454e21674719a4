"""The audit signing key: loaded from the PEM file in settings, generated there only outside production."""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.config import AuditSettings
from services.audit.domain.signing import generate_signing_key, load_private_key_file, private_key_to_pem


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
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the start: the key never exists world-readable, even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(private_key_to_pem(key, password=password))
        return key
    try:
        return load_private_key_file(path, password=password)
    except ValueError as error:
        raise SigningKeyError(f"audit signing key {path}: {error}") from error
