"""A service answers /healthz as soon as its server listens, before it has joined the bus; /readyz and every
other route answer 503 until the start is done. A start that cannot reach the broker in time ends the
process non-zero, and a stop during the start ends it promptly. Real processes, a real broker started late."""

import signal
import time
from pathlib import Path

import httpx

from shared.dev.broker import free_port
from shared.dev.stack import Stack
from tests.issuer import TokenIssuer

SERVICE = "routing"  # one with consumer groups to join


def get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None


def poll(stack: Stack, path: str, until, timeout_s: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    process = stack.processes[SERVICE]
    while time.monotonic() < deadline:
        assert process.poll() is None, (stack.var_dir / f"{SERVICE}.log").read_text()[-3000:]
        response = get(f"{stack.url(SERVICE)}{path}")
        if response is not None and until(response):
            return response
        time.sleep(0.1)
    raise AssertionError(f"{path} not as expected within {timeout_s}s: {response and response.text}")


def stack_without_broker(tmp_path: Path, issuer: TokenIssuer, **env: str) -> Stack:
    """A stack whose broker is not started: its port is free, nothing listens there."""
    return Stack(var_dir=tmp_path, issuer=issuer.url, broker_port=free_port(), extra_env=env)


def test_healthz_answers_while_the_broker_is_away_and_readyz_turns_ready_once_it_is_joined(
    tmp_path: Path, issuer: TokenIssuer
) -> None:
    stack = stack_without_broker(tmp_path, issuer)
    try:
        stack.start_service(SERVICE, wait=False)
        poll(stack, "/healthz", lambda response: response.status_code == 200)
        waiting = poll(stack, "/readyz", lambda response: response.json()["start"] == "waiting for the broker")
        assert waiting.status_code == 503
        assert waiting.json()["status"] == "not ready"
        supervisor = issuer.headers("supervisor")
        refused = httpx.get(f"{stack.url(SERVICE)}/work-orders/WO-1", headers=supervisor, timeout=2)
        assert refused.status_code == 503, refused.text  # nothing that needs the bus before it is joined
        assert refused.headers["retry-after"] == "1"
        assert "waiting for the broker" in refused.json()["en"]

        stack.broker.start()
        ready = poll(stack, "/readyz", lambda response: response.status_code == 200)
        assert ready.json() == {"status": "ready", "start": "done", "database": "ok", "broker": "ok"}
        answered = httpx.get(f"{stack.url(SERVICE)}/work-orders/WO-1", headers=supervisor, timeout=2)
        assert answered.status_code == 404, answered.text  # the route itself answers now
    finally:
        codes = stack.stop()
    assert codes[SERVICE] != -9, codes


def test_a_start_that_cannot_reach_the_broker_in_time_ends_the_process_non_zero_and_says_why(
    tmp_path: Path, issuer: TokenIssuer
) -> None:
    stack = stack_without_broker(tmp_path, issuer, BANCHENG_ROUTING_BROKER_WAIT_S="2")
    try:
        stack.start_service(SERVICE, wait=False)
        failing = poll(stack, "/readyz", lambda response: response.status_code == 503)
        assert failing.json()["start"] in ("migrating the database", "preparing", "waiting for the broker")
        process = stack.processes[SERVICE]
        code = process.wait(30)
    finally:
        stack.stop()
    assert code not in (0, -signal.SIGTERM), code
    log = (tmp_path / f"{SERVICE}.log").read_text()
    assert "did not start: failed while waiting for the broker: KafkaConnectionError" in log, log[-3000:]


def test_a_stop_during_the_start_ends_the_process_promptly(tmp_path: Path, issuer: TokenIssuer) -> None:
    stack = stack_without_broker(tmp_path, issuer)
    try:
        stack.start_service(SERVICE, wait=False)
        poll(stack, "/readyz", lambda response: response.json()["start"] == "waiting for the broker")
        process = stack.processes[SERVICE]
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        took = time.monotonic() - stopping
    finally:
        stack.stop()
    assert took < 5, took
