"""The keyring's settings (env prefix BANCHENG_PII_), read through a function like every setting.

`BANCHENG_PII_KEYS` holds `kid=[aes256:|sm4:]<base64>` pairs, comma-separated; `..._CURRENT_KID` names
the key new values are sealed under; `..._TRANSPORT_KID` the key intake seals the contacts topic with
(only notify holds it besides intake); `..._INDEX_KEY` (base64, ≥ 32 bytes) keys the blind indexes and
never rotates without rebuilding them. The development defaults are public: refused in production.
"""

import base64

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.personal_data.keyring import IndexHash, Key, Keyring, KeyringError, parse_key

# Public, fixed development keys (so a dev database survives restarts); never valid in production.
DEV_KEYS = ("dev=aes256:" + base64.b64encode(b"bancheng-dev-only-pii-key-32byte").decode()
            + ",dev-transport=aes256:" + base64.b64encode(b"bancheng-dev-only-transport-key!").decode())
DEV_INDEX_KEY = base64.b64encode(b"bancheng-dev-only-blind-index-key").decode()


class PersonalDataSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_PII_")

    keys: str = DEV_KEYS
    current_kid: str = "dev"
    transport_kid: str = "dev-transport"
    index_key: str = DEV_INDEX_KEY
    index_hash: IndexHash = "sha256"


def build_keyring(settings: PersonalDataSettings, *, environment: str) -> Keyring:
    """The keyring these settings describe; `KeyringError` (a ValueError: the CLI prints it and exits)
    when they are wrong, or when production would run on a development key."""
    pairs = [pair.strip() for pair in settings.keys.split(",") if pair.strip()]
    keys = []
    for pair in pairs:
        kid, equals, spec = pair.partition("=")
        if not equals:
            raise KeyringError(f"BANCHENG_PII_KEYS: {kid!r} is not kid=<key>")
        keys.append(parse_key(kid.strip(), spec))
    try:
        index_key = base64.b64decode(settings.index_key, validate=True)
    except ValueError as error:
        raise KeyringError(f"BANCHENG_PII_INDEX_KEY: not base64 ({error})") from None
    keyring = Keyring(keys, current=settings.current_kid, transport=settings.transport_kid, index_key=index_key,
                      index_hash=settings.index_hash)
    if environment == "production":
        public = {key.secret for key in _dev_keys()}
        in_use = {keyring.keys[keyring.current].secret, keyring.keys[keyring.transport].secret}
        if in_use & public or settings.index_key == DEV_INDEX_KEY:
            raise KeyringError("BANCHENG_PII_KEYS, _CURRENT_KID, _TRANSPORT_KID and _INDEX_KEY must be set "
                               "outside development (the development keys are public)")
    return keyring


def _dev_keys() -> list[Key]:
    return [parse_key(*pair.split("=", 1)) for pair in DEV_KEYS.split(",")]


def get_keyring(*, environment: str) -> Keyring:
    return build_keyring(PersonalDataSettings(), environment=environment)
