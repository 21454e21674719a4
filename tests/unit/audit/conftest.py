from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.audit.domain.entries import AuditEntry, ChainHead, append_entry
from services.audit.domain.verification import ChainLink

TOPIC = "bancheng.case-events"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

ChainBuilder = Callable[..., list[AuditEntry]]


@pytest.fixture
def build_chain() -> ChainBuilder:
    """A partition's chain of `length` entries; `case_of(i)` picks each entry's case id."""

    def build(
        length: int, *, partition: int = 0, case_of: Callable[[int], str] = lambda i: f"case-{i % 3}"
    ) -> list[AuditEntry]:
        head = ChainHead.genesis(topic=TOPIC, partition=partition)
        entries = []
        for i in range(length):
            entry = append_entry(
                head=head,
                event_id=f"evt-{partition}-{i + 1}",
                event_type="CaseRegistered" if i % 2 == 0 else "CaseAccepted",
                occurred_at=START + timedelta(minutes=i),
                case_id=case_of(i),
                payload={"description": "租赁备案材料不齐", "hall": "沙河街道政务服务中心", "n": i},
                headers={"ce_source": "intake", "ce_specversion": "1.0"},
            )
            entries.append(entry)
            head = entry.head
        return entries

    return build


def links_of(
    entries: list[AuditEntry], *, intact: Callable[[AuditEntry], bool] = lambda entry: True
) -> list[ChainLink]:
    """The links a reader hashing `entries` would feed a check."""
    return [
        ChainLink(e.topic, e.partition, e.sequence, e.event_id, e.prev_hash, e.entry_hash, intact(e)) for e in entries
    ]
