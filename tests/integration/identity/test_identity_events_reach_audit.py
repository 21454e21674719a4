"""Logins, failures, lockouts, logouts and system tokens are events audit chains into its log, over the real
broker; none carries a password, a code or a token."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from shared.dev.broker import DevBroker
from shared.runtime import Runtime
from services.audit.app import build_runtime as build_audit
from tests.integration.identity.conftest import HOTLINE_SECRET, Identity

AUDITOR = ("auditor.demo", "Review#Ledger2026")
PASSWORD = "Trail#Walker2026"
WRONG = "Wrong#Secret7788"


@pytest.fixture
async def audit(
    identity: Identity, broker: DevBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Runtime]:
    """Audit trusting this identity service: its timeline is read with an auditor's token from it."""
    monkeypatch.setenv("BANCHENG_AUTH_ISSUER", identity.url)
    monkeypatch.setenv("BANCHENG_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    monkeypatch.setenv("BANCHENG_AUDIT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.setenv("BANCHENG_AUDIT_SIGNING_KEY_PATH", str(tmp_path / "audit-key.pem"))
    monkeypatch.setenv("BANCHENG_AUDIT_ENVIRONMENT", "test")
    runtime = build_audit()
    await runtime.start()
    yield runtime
    await runtime.stop()


async def timeline(identity: Identity, audit: Runtime, subject: str, *, until: set[str],
                   timeout_s: float = 60) -> list[dict]:
    token = (await identity.sign_in(*AUDITOR))["access_token"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=audit.app()), base_url="http://audit",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            response = await client.get(f"/cases/{subject}/timeline")
            assert response.status_code == 200, response.text
            entries = response.json()["items"]
            if until <= {entry["type"] for entry in entries}:
                return entries
            await asyncio.sleep(0.2)
    raise AssertionError(f"audit never logged {until} for {subject}: {entries}")


async def test_login_events_reach_the_audit_log_without_secrets(identity: Identity, audit: Runtime) -> None:
    await identity.add_user("trail.clerk", "window_clerk", PASSWORD, hall="DEMO")
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        assert (await login.password("trail.clerk", WRONG)).status_code == 401
        await login.password("trail.clerk", PASSWORD)
        tokens = (await identity.exchange(login, login.code())).json()
        assert (await browser.get("/logout")).status_code == 200
    entries = await timeline(identity, audit, "user:trail.clerk", until={
        "identity.login_failed", "identity.login_succeeded", "identity.logged_out"})
    by_type = {entry["type"]: entry for entry in entries}
    assert by_type["identity.login_failed"]["data"]["reason"] == "bad_password"
    assert by_type["identity.login_succeeded"]["data"]["factors"] == ["password"]
    assert by_type["identity.login_succeeded"]["source"] == "identity"
    subject = (await identity.verify(tokens["access_token"]))["sub"]
    assert by_type["identity.login_succeeded"]["actor"] == f"person:{subject}"  # as in the services' events
    assert by_type["identity.logged_out"]["data"]["revoked_refresh_tokens"] == 1
    logged = json.dumps(entries, ensure_ascii=False)
    for secret in (PASSWORD, WRONG, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in logged


async def test_a_lockout_and_a_system_token_reach_the_audit_log(identity: Identity, audit: Runtime) -> None:
    await identity.add_user("trail.locked", "window_clerk", PASSWORD, hall="DEMO")
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        for _ in range(identity.settings.lockout_threshold):
            await login.password("trail.locked", WRONG)
    system_token = await identity.token({"grant_type": "client_credentials"}, ("hotline12345", HOTLINE_SECRET))
    assert system_token.status_code == 200
    locked = await timeline(identity, audit, "user:trail.locked", until={"identity.account_locked"})
    failures = [e["data"]["consecutive_failures"] for e in locked if e["type"] == "identity.login_failed"]
    assert failures == [1, 2, 3, 4, 5]
    system = await timeline(identity, audit, "client:hotline12345", until={"identity.system_token_issued"})
    issued = next(e for e in system if e["type"] == "identity.system_token_issued")
    assert issued["data"]["roles"] == ["hotline12345"] and issued["data"]["token_id"]
