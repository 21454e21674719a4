"""The citizen's own pages (no login): the proof of work asked before an SMS is sent, the SMS code, and the
follow token that lets the one who proved a case rate its reply.

Pure: times and secrets are given. The proof of work costs a page about 2**difficulty_bits hashes, nothing
to a person and a lot to a script asking for thousands of texts; a code has 6 digits, so it is kept as a
keyed hash (an unkeyed one is reversed by trying the million codes) and burnt after a few wrong tries.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.clock import require_aware

from .errors import InvalidInput

CODE_DIGITS = 6
SEED_BYTES = 16
TOKEN_PREFIX = "f1"


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def proof_holds(*, seed: str, nonce: str, difficulty_bits: int) -> bool:
    """Whether sha256(seed + nonce), both as UTF-8 text, starts with `difficulty_bits` zero bits."""
    return leading_zero_bits(hashlib.sha256((seed + nonce).encode()).digest()) >= difficulty_bits


def solve(*, seed: str, difficulty_bits: int) -> str:
    """The first nonce (decimal) that holds: what a page computes; tests and the demo use it."""
    nonce = 0
    while not proof_holds(seed=seed, nonce=str(nonce), difficulty_bits=difficulty_bits):
        nonce += 1
    return str(nonce)


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(secret: str, *, verification_id: str, code: str) -> str:
    """The code's keyed hash, bound to its verification."""
    return hmac.new(secret.encode(), f"code\x00{verification_id}\x00{code}".encode(), "sha256").hexdigest()


def code_matches(secret: str, *, verification_id: str, code: str, stored: str | None) -> bool:
    if stored is None:
        return False
    return hmac.compare_digest(code_hash(secret, verification_id=verification_id, code=code), stored)


class CodeOutcome(StrEnum):
    accepted = "accepted"  # the code is right: the verification is spent
    wrong = "wrong"  # counted; `tries_left` more
    burnt = "burnt"  # this wrong code was the last allowed
    gone = "gone"  # unknown, expired, spent, burnt before, or for another purpose, phone or case


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    tries_left: int = 0


def check_code(*, matches: bool, failures: int, max_failures: int) -> CodeCheck:
    """What a try at a live verification comes to, given whether the code matched and how many wrong tries it
    had before."""
    if matches:
        return CodeCheck(CodeOutcome.accepted)
    left = max_failures - failures - 1
    return CodeCheck(CodeOutcome.burnt) if left <= 0 else CodeCheck(CodeOutcome.wrong, tries_left=left)


def follow_token(secret: str, *, case_id: str, now: datetime, valid_for: timedelta) -> str:
    """A token naming the case and its expiry, signed: `f1.<case id>.<expiry, epoch s>.<signature>`. It is
    what the citizen's page keeps after proving the case; nothing is stored for it."""
    require_aware(now, field="now")
    expires = int((now + valid_for).timestamp())
    body = f"{TOKEN_PREFIX}.{case_id}.{expires}"
    return f"{body}.{_sign(secret, body)}"


def case_of_token(secret: str, token: str, *, now: datetime) -> str:
    """The case id the token was given for, or `InvalidInput` naming `follow_token` (forged or expired)."""
    parts = token.split(".")
    if len(parts) == 4 and parts[0] == TOKEN_PREFIX and parts[2].isdigit():
        body = ".".join(parts[:3])
        if hmac.compare_digest(_sign(secret, body), parts[3]):
            if int(parts[2]) > now.timestamp():
                return parts[1]
            raise InvalidInput.single(field="follow_token", zh="查询凭证已过期,请重新查询案件",
                                      en="the follow token has expired; follow the case again")
    raise InvalidInput.single(field="follow_token", zh="查询凭证无效", en="the follow token is not valid")


def _sign(secret: str, body: str) -> str:
    mac = hmac.new(secret.encode(), f"follow\x00{body}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
