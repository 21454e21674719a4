"""Passwords: the policy of MLPS 2.0 level 3 (等保三级) identification, and argon2id hashes."""

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.domain.problems import FieldProblem

MIN_LENGTH = 8
MIN_CLASSES = 3
_CLASSES = (
    ("upper", set(string.ascii_uppercase)),
    ("lower", set(string.ascii_lowercase)),
    ("digit", set(string.digits)),
)

# argon2-cffi's defaults are RFC 9106's second recommended profile, of type argon2id.
_hasher = PasswordHasher()


def policy_problems(password: str, *, username: str, field: str = "password") -> list[FieldProblem]:
    """What is wrong with `password` for `username` (an empty list: it meets the policy)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(FieldProblem(field, f"密码至少 {MIN_LENGTH} 位", f"must be at least {MIN_LENGTH} characters"))
    classes = sum(1 for _name, chars in _CLASSES if any(c in chars for c in password))
    classes += any(not c.isalnum() for c in password)  # symbols, whatever their script
    if classes < MIN_CLASSES:
        problems.append(FieldProblem(
            field, "密码须包含大写字母、小写字母、数字、符号中的至少三类",
            "must contain at least three of: upper case, lower case, digits, symbols",
        ))
    if username and username.lower() in password.lower():
        problems.append(FieldProblem(field, "密码不得包含用户名", "must not contain the username"))
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Compared against when the username is unknown, so a miss costs as long as a wrong password.
DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


def temporary_password() -> str:
    """A one-time password an administrator hands over, meeting the policy: four groups of four from every
    class (no look-alike characters), changed at the first login."""
    alphabets = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789")
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for alphabet in (*alphabets, alphabets[0])]
    return "-".join(groups)
