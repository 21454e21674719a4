"""Sealing secrets at rest (private signing keys, TOTP secrets): AES-256-GCM under a key derived from the
service's `signing_secret` (refused at its default in production), so a copy of the database alone
reveals neither."""

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Sealer:
    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"bancheng identity sealing").derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plain: bytes, *, purpose: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plain, purpose.encode())).decode()

    def open(self, sealed: str, *, purpose: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], purpose.encode())


@lru_cache(maxsize=4)
def sealer_for(secret: str) -> Sealer:
    return Sealer(secret)
