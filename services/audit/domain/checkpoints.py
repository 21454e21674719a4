"""Signed checkpoints: a partition's head (sequence and hash) at a moment, signed with Ed25519.

An auditor holding only the public key checks a stored log against them: a rewritten stretch no longer
reaches the signed head hash, and a log cut short no longer reaches the signed sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.entries import ChainHead, utc_timestamp
from services.audit.domain.signing import VerifyingKeys, key_for, key_id, sign, signature_is_valid

CHECKPOINT_FORMAT = "bancheng-audit-checkpoint/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCheckpoint:
    topic: str
    partition: int
    sequence: int
    head_hash: str
    signed_at: datetime
    key_id: str
    signature: str

    def signed_message(self) -> bytes:
        """The canonical JSON bytes the signature covers (everything but the signature)."""
        return orjson.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "topic": self.topic,
                "partition": self.partition,
                "sequence": self.sequence,
                "head_hash": self.head_hash,
                "signed_at": utc_timestamp(self.signed_at),
                "key_id": self.key_id,
            },
            option=orjson.OPT_SORT_KEYS,
        )

    def to_json(self) -> dict[str, Any]:
        return orjson.loads(self.signed_message()) | {"signature": self.signature}


def checkpoint_due(*, sequence: int, every: int) -> bool:
    """Whether the entry at `sequence` should be followed by a checkpoint (every N entries)."""
    if every < 1:
        raise ValueError("checkpoint interval must be at least 1")
    return sequence % every == 0


def sign_checkpoint(*, head: ChainHead, private_key: Ed25519PrivateKey, signed_at: datetime) -> SignedCheckpoint:
    """Sign the current head of a partition (every N entries, or on demand, e.g. before an export)."""
    unsigned = SignedCheckpoint(
        topic=head.topic,
        partition=head.partition,
        sequence=head.sequence,
        head_hash=head.entry_hash,
        signed_at=signed_at,
        key_id=key_id(private_key.public_key()),
        signature="",
    )
    return replace(unsigned, signature=sign(private_key, unsigned.signed_message()))


def checkpoint_is_authentic(checkpoint: SignedCheckpoint, public_key: VerifyingKeys) -> bool:
    key = key_for(public_key, checkpoint.key_id)
    return key is not None and signature_is_valid(key, checkpoint.signed_message(), checkpoint.signature)


def checkpoint_from_json(data: Mapping[str, Any]) -> SignedCheckpoint:
    """Raises KeyError / ValueError on malformed input."""
    if data.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a {CHECKPOINT_FORMAT} document")
    return SignedCheckpoint(
        topic=str(data["topic"]),
        partition=int(data["partition"]),
        sequence=int(data["sequence"]),
        head_hash=str(data["head_hash"]),
        signed_at=datetime.fromisoformat(data["signed_at"]),
        key_id=str(data["key_id"]),
        signature=str(data["signature"]),
    )
