"""Personal data (个人信息) at rest and in transit: field encryption under a keyring, blind indexes for
exact lookups, and re-encryption under the current key. Masking for display is `shared.masking`."""

from shared.personal_data.keyring import (
    Key,
    Keyring,
    KeyringError,
    SealedValueError,
    UnknownKeyError,
    is_sealed,
)
from shared.personal_data.settings import PersonalDataSettings, build_keyring, get_keyring

__all__ = [
    "Key", "Keyring", "KeyringError", "PersonalDataSettings", "SealedValueError", "UnknownKeyError",
    "build_keyring", "get_keyring", "is_sealed",
]
