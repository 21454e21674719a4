"""The services go on after the broker restarts. The dev broker keeps everything in memory, so it comes back
without topics, groups or offsets: the consumers must rejoin and the stack must still stop cleanly."""

from pathlib import Path

import httpx

from shared.dev.stack import Stack
from tests.e2e.load import TRAIL
from tests.e2e.test_walking_path import CASE, wait_for_timeline
from tests.issuer import TokenIssuer, session_issuer


def register(stack: Stack) -> str:
    clerk = session_issuer().headers("window_clerk", hall="DEMO")
    response = httpx.post(f"{stack.url('intake')}/cases", json=CASE, headers=clerk, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_case_registered_after_a_broker_restart_completes_the_loop_and_the_stack_still_stops(
    tmp_path: Path, issuer: TokenIssuer
) -> None:
    stack = Stack(var_dir=tmp_path, issuer=issuer.url).start()
    codes: dict[str, int] = {}
    try:
        before = register(stack)
        assert set(TRAIL) <= {entry["type"] for entry in wait_for_timeline(stack, before)}

        stack.broker.stop()
        stack.broker.start()

        after = register(stack)
        timeline = wait_for_timeline(stack, after, timeout_s=60)
        assert set(TRAIL) <= {entry["type"] for entry in timeline}, [entry["type"] for entry in timeline]
    finally:
        codes = stack.stop()
    assert all(code != -9 for code in codes.values()), codes  # none had to be killed
