"""Audit chain throughput in process: append, verify, verify against checkpoints, case export.

Prints figures, asserts nothing. Targets (issue 7): append >= 20,000 events/s, verify >= 200,000 entries/s.
Usage: python bench/audit_chain.py [entries]
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # this checkout, not the one the shared venv's editable install names
from services.audit.domain.case_bundle import ProofRun, build_case_bundle, verify_case_bundle
from services.audit.domain.checkpoints import checkpoint_due, sign_checkpoint
from services.audit.domain.entries import AuditEntry, ChainHead, append_entry
from services.audit.domain.signing import generate_signing_key
from services.audit.domain.verification import verify_log

CHECKPOINT_EVERY = 1000


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} /s  ({count:,} in {seconds:.2f} s)"


def main(count: int) -> None:
    key = generate_signing_key()
    start = datetime(2026, 3, 2, tzinfo=UTC)
    # A realistic event of ~600 bytes canonical: envelope headers and a Chinese description.
    events = [
        dict(
            event_id=str(uuid.uuid4()),
            event_type="CaseRegistered",
            occurred_at=start + timedelta(milliseconds=i),
            case_id=f"case-{i // 10}",
            payload={
                "case_id": f"case-{i // 10}",
                "hall": "深圳市南山区沙河街道政务服务中心",
                "channel": "walk_in",
                "kind": "资料不齐",
                "matter": "房屋租赁登记备案",
                "description": "租赁备案材料不齐，需一次性告知所缺材料",
                "actor": {"id": "staff-12", "role": "window_staff"},
                "schema_version": 1,
            },
            headers={
                "ce_specversion": "1.0",
                "ce_source": "intake",
                "ce_type": "case.registered",
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        )
        for i in range(count)
    ]

    head = ChainHead.genesis(topic="bancheng.case-events", partition=0)
    entries: list[AuditEntry] = []
    began = time.perf_counter()
    for event in events:
        entry = append_entry(head=head, **event)
        entries.append(entry)
        head = entry.head
    print(f"append                     {rate(count, time.perf_counter() - began)}")

    began = time.perf_counter()
    checkpoints = [sign_checkpoint(head=e.head, private_key=key, signed_at=start)
                   for e in entries if checkpoint_due(sequence=e.sequence, every=CHECKPOINT_EVERY)]
    print(f"sign checkpoints (1/{CHECKPOINT_EVERY})    {rate(len(checkpoints), time.perf_counter() - began)}")

    began = time.perf_counter()
    report = verify_log(entries)
    print(f"verify                     {rate(report.entries_checked, time.perf_counter() - began)}  ok={report.ok}")

    began = time.perf_counter()
    report = verify_log(entries, checkpoints=checkpoints, public_key=key.public_key())
    print(f"verify with checkpoints    {rate(report.entries_checked, time.perf_counter() - began)}  ok={report.ok}")

    # Export one case whose entries sit just after a checkpoint: the worst case for bundle size.
    first = CHECKPOINT_EVERY + 1
    run = ProofRun(entries=entries[first - 1 : 2 * CHECKPOINT_EVERY], checkpoint=checkpoints[1])
    began = time.perf_counter()
    bundle = build_case_bundle(case_id=entries[first - 1].case_id, runs=[run], private_key=key, exported_at=start)
    built = time.perf_counter() - began
    began = time.perf_counter()
    verdict = verify_case_bundle(bundle, public_key=key.public_key())
    print(
        f"case bundle                build {built * 1000:.1f} ms, verify {(time.perf_counter() - began) * 1000:.1f} ms,"
        f" {len(bundle['segments'][0]['links'])} links, ok={verdict.ok}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
