"""kill -9 of any one service while 1,000 cases stream through; after its restart every case completes,
no event is applied twice, and no outbox holds anything unsent."""

import sqlite3
import threading
import time

import pytest

from shared.dev.stack import SERVICES, Stack
from tests.e2e.load import TRAIL, incomplete_trails, post_cases

CASES = 1000


@pytest.mark.slow
@pytest.mark.parametrize("victim", SERVICES)
def test_every_case_completes_once_after_kill_9_and_restart(victim: str, tmp_path, issuer) -> None:
    stack = Stack(var_dir=tmp_path, issuer=issuer.url).start()
    try:
        killed = threading.Event()

        def kill_midway(posted: int) -> None:
            if posted == CASES // 3 and not killed.is_set():
                killed.set()
                stack.kill(victim)
                time.sleep(1)
                stack.start_service(victim, wait=False)

        case_ids = post_cases(stack.url("intake"), CASES, issuer=issuer, on_posted=kill_midway)
        stack.wait_ready(victim)
        assert killed.is_set()

        short = incomplete_trails(stack.url("audit"), case_ids, issuer=issuer, timeout_s=180)
        assert not short, f"{len(short)} cases incomplete, e.g. {next(iter(short.items()))}"
    finally:
        stack.stop()

    assert len(set(case_ids)) == CASES
    for name in SERVICES:
        with sqlite3.connect(tmp_path / f"{name}.db") as db:
            assert db.execute("SELECT count(*) FROM outbox").fetchone() == (0,), f"{name} has unsent events"
    with sqlite3.connect(tmp_path / "routing.db") as db:
        assert db.execute("SELECT count(DISTINCT case_id) FROM work_order").fetchone() == (CASES,)
        twice = "SELECT case_id, department, role FROM work_order GROUP BY 1, 2, 3 HAVING count(*) > 1"
        assert db.execute(twice).fetchall() == [], "a work order was dispatched twice"
    with sqlite3.connect(tmp_path / "audit.db") as db:
        entries, distinct = db.execute("SELECT count(*), count(DISTINCT event_id) FROM audit_entry").fetchone()
    assert entries == distinct >= CASES * len(TRAIL)
