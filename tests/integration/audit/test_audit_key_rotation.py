"""Rotating the audit signing key: what the old key signed still verifies with its retired public key, what
comes after is signed with the new one, and a verifier holding only the new key names the old checkpoints."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from shared.runtime import Runtime
from services.audit.cli import export_case
from services.audit.config import get_settings
from services.audit.domain.signing import key_id, public_key_to_pem
from services.audit.store import audit_log
from services.audit.store.audit_log import IncomingEvent, Signer
from services.audit.store.keys import load_signing_key
from tests.integration.audit.conftest import with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)


async def append(runtime: Runtime, first: int, count: int) -> None:
    """Events `first`.. of one case on one partition, signed every 3 with the key in settings now."""
    signer = Signer(private_key=load_signing_key(get_settings()), every=3)
    events = [
        IncomingEvent(topic="bancheng.case.events", partition=0, event_id=f"evt-{i}", event_type="case.registered",
                      occurred_at=AT + timedelta(minutes=i), case_id="case-1", payload={"n": i},
                      headers={"ce_source": "intake", "ce_actor": "staff:1"})
        for i in range(first, first + count)
    ]
    async with runtime.sessions() as session, session.begin():
        await audit_log.append_events(session, events, signer=signer, now=AT)


def tools(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.audit", "tools", *arguments], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


@with_databases
async def test_checkpoints_signed_before_a_rotation_still_verify_and_new_ones_use_the_new_key(
    migrated: Runtime, tmp_path: Path
) -> None:
    settings = get_settings()
    old_id = key_id(load_signing_key(settings).public_key())
    await append(migrated, 0, 6)
    bundle_before = tmp_path / "before.json"
    bundle_before.write_bytes(orjson.dumps(await export_case(settings, "case-1")))

    rotated = tools("rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    new_key = load_signing_key(settings).public_key()
    assert old_id in rotated.stdout and key_id(new_key) in rotated.stdout and key_id(new_key) != old_id
    assert (settings.retired_keys_dir / f"{old_id}.pem").exists()
    await append(migrated, 6, 6)

    verified = tools("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "12 entries checked, 0 faults" in verified.stdout

    new_only = tmp_path / "new.pem"
    new_only.write_bytes(public_key_to_pem(new_key))
    partial = tools("verify", "--public-key", str(new_only))
    assert partial.returncode == 1
    assert f"checkpoint signature does not verify with key {old_id}" in partial.stdout

    retired = settings.retired_keys_dir / f"{old_id}.pem"
    assert tools("verify-bundle", str(bundle_before), "--public-key", str(retired)).returncode == 0
    assert tools("verify-bundle", str(bundle_before), "--public-key", str(new_only)).returncode == 1
