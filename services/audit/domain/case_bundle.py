"""The signed export of one case's full trail, and its verifier.

For each partition holding the case's events, a segment runs from a case entry up to a signed checkpoint:
the case's own entries in full, other cases' entries only as (sequence, content digest). Recomputing the
chain along the segment must land on the checkpoint's signed head hash, so the auditor needs the public key
and this file, not the database. The whole bundle is signed too.

Bundle size grows with the checkpoint interval (one digest per foreign entry up to the next checkpoint);
sign a checkpoint on demand at export time so the last segment ends at the current head.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.checkpoints import SignedCheckpoint, checkpoint_from_json, checkpoint_is_authentic
from services.audit.domain.entries import (
    AuditEntry,
    StoredEntry,
    content_digest,
    entry_from_json,
    entry_to_json,
    link_hash,
    utc_timestamp,
)
from services.audit.domain.signing import VerifyingKeys, key_for, key_id, sign, signature_is_valid

BUNDLE_FORMAT = "bancheng-audit-case-bundle/1"


class BundleError(ValueError):
    """The stored entries given for export do not form a valid proof (the log itself may be damaged)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofRun:
    """Contiguous stored entries of one partition, from a case entry up to the checkpoint's sequence."""

    entries: Sequence[StoredEntry]
    checkpoint: SignedCheckpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleReport:
    problems: tuple[str, ...]
    entries: tuple[AuditEntry, ...]  # the case's entries, as proven

    @property
    def ok(self) -> bool:
        return not self.problems


def _segment(case_id: str, run: ProofRun) -> dict[str, Any]:
    entries, checkpoint = run.entries, run.checkpoint
    if not entries or entries[0].case_id != case_id:
        raise BundleError("a proof run must start with one of the case's entries")
    prev = entries[0].prev_hash
    links: list[dict[str, Any]] = []
    for offset, entry in enumerate(entries):
        where = f"{entry.topic}[{entry.partition}] #{entry.sequence}"
        if (entry.topic, entry.partition) != (checkpoint.topic, checkpoint.partition):
            raise BundleError(f"{where} is not in the checkpoint's partition")
        if entry.sequence != entries[0].sequence + offset:
            raise BundleError(f"{where}: proof run is not contiguous")
        digest = content_digest(entry)
        if entry.prev_hash != prev or link_hash(prev, digest) != entry.entry_hash:
            raise BundleError(f"{where}: stored chain is broken; run verify before exporting")
        prev = entry.entry_hash
        links.append(
            {"entry": entry_to_json(entry)} if entry.case_id == case_id
            else {"sequence": entry.sequence, "content_digest": digest}
        )
    if entries[-1].sequence != checkpoint.sequence or prev != checkpoint.head_hash:
        raise BundleError(f"proof run does not end at the checkpoint "
                          f"{checkpoint.topic}[{checkpoint.partition}] #{checkpoint.sequence}")
    return {
        "topic": checkpoint.topic,
        "partition": checkpoint.partition,
        "start_prev_hash": entries[0].prev_hash,
        "links": links,
        "checkpoint": checkpoint.to_json(),
    }


def build_case_bundle(
    *, case_id: str, runs: Iterable[ProofRun], private_key: Ed25519PrivateKey, exported_at: datetime
) -> dict[str, Any]:
    """The signed bundle as JSON values (serialise with any JSON library). Raises BundleError."""
    body = {
        "format": BUNDLE_FORMAT,
        "case_id": case_id,
        "exported_at": utc_timestamp(exported_at),
        "key_id": key_id(private_key.public_key()),
        "segments": [_segment(case_id, run) for run in runs],
    }
    return body | {"signature": sign(private_key, orjson.dumps(body, option=orjson.OPT_SORT_KEYS))}


def _check_segment(case_id: str, segment: Mapping[str, Any],
                   public_key: VerifyingKeys) -> tuple[list[str], list[AuditEntry]]:
    problems: list[str] = []
    proven: list[AuditEntry] = []
    checkpoint = checkpoint_from_json(segment["checkpoint"])
    name = f"{checkpoint.topic}[{checkpoint.partition}]"
    if not checkpoint_is_authentic(checkpoint, public_key):
        problems.append(f"{name}: checkpoint #{checkpoint.sequence} signature does not verify")
    prev = str(segment["start_prev_hash"])
    links = segment["links"]
    sequence = int(links[0]["entry"]["sequence"]) if links and "entry" in links[0] else None
    if sequence is None:
        return problems + [f"{name}: segment does not start with an entry of the case"], proven
    for link in links:
        if "entry" in link:
            entry = entry_from_json(link["entry"])
            where = f"{name} #{entry.sequence} (event {entry.event_id})"
            if (entry.topic, entry.partition, entry.sequence) != (checkpoint.topic, checkpoint.partition, sequence):
                problems.append(f"{where}: out of place in the segment")
            if entry.case_id != case_id:
                problems.append(f"{where}: belongs to case {entry.case_id}")
            if entry.prev_hash != prev or link_hash(prev, content_digest(entry)) != entry.entry_hash:
                problems.append(f"{where}: altered, or not linked to the entry before")
            proven.append(entry)
            prev = entry.entry_hash
        else:
            if int(link["sequence"]) != sequence:
                problems.append(f"{name} #{link['sequence']}: out of place in the segment")
            prev = link_hash(prev, str(link["content_digest"]))
        sequence += 1
    if sequence - 1 != checkpoint.sequence or prev != checkpoint.head_hash:
        problems.append(f"{name}: chain does not reach the head signed at #{checkpoint.sequence}")
    return problems, proven


def verify_case_bundle(bundle: Mapping[str, Any], *, public_key: VerifyingKeys) -> BundleReport:
    """Check the bundle's signature, each checkpoint's signature, and every chain link to them.

    Never raises on bad input: a malformed bundle is reported as a problem.
    """
    try:
        if bundle.get("format") != BUNDLE_FORMAT:
            return BundleReport(problems=(f"not a {BUNDLE_FORMAT} document",), entries=())
        body = {name: value for name, value in bundle.items() if name != "signature"}
        problems: list[str] = []
        signer = key_for(public_key, str(body["key_id"]))
        if signer is None or not signature_is_valid(
            signer, orjson.dumps(body, option=orjson.OPT_SORT_KEYS), str(bundle.get("signature", ""))
        ):
            problems.append("bundle signature does not verify with this key")
        entries: list[AuditEntry] = []
        for segment in body["segments"]:
            segment_problems, proven = _check_segment(str(body["case_id"]), segment, public_key)
            problems += segment_problems
            entries += proven
    except (KeyError, TypeError, ValueError, IndexError) as error:
        return BundleReport(problems=(f"malformed bundle: {error!r}",), entries=())
    return BundleReport(problems=tuple(problems), entries=tuple(entries))
