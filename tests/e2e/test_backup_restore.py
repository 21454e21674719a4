"""Every service's database backed up with `python -m services.<name> backup`, restored into new databases with
`restore`: the restored stack knows the case, and audit's restored chain verifies."""

import os
import subprocess
import sys
import time

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from shared.settings import REPO_ROOT
from tests.conftest import DATABASES, database_url
from tests.e2e.load import TRAIL
from tests.e2e.test_walking_path import CASE, wait_for_timeline
from tests.issuer import TokenIssuer


def service_command(name: str, *arguments: str, database: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, f"BANCHENG_{name.upper()}_DATABASE_URL": database}
    return subprocess.run([sys.executable, "-m", f"services.{name}", *arguments], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_case_and_its_audit_chain_come_back_from_a_backup_restored_into_new_databases(
    kind: str, tmp_path, issuer: TokenIssuer
) -> None:
    clerk, auditor = issuer.headers("window_clerk", hall="DEMO"), issuer.headers("auditor")
    first = {name: database_url(kind, name, tmp_path / "first") for name in SERVICES}
    (tmp_path / "first").mkdir()
    stack = Stack(var_dir=tmp_path / "first", database_urls=first, issuer=issuer.url).start()
    try:
        response = httpx.post(f"{stack.url('intake')}/cases", json=CASE, headers=clerk, timeout=10)
        assert response.status_code == 201, response.text
        case = response.json()
        assert set(TRAIL) <= {entry["type"] for entry in wait_for_timeline(stack, case["id"])}
        for name in SERVICES:  # while the services run: a backup is an online snapshot
            done = service_command(name, "backup", str(tmp_path / "backup" / f"{name}.bak"), database=first[name])
            assert done.returncode == 0, done.stderr
            assert "sha256" in done.stdout
    finally:
        stack.stop()

    second = {name: database_url(kind, name, tmp_path / "second") for name in SERVICES}
    (tmp_path / "second").mkdir()
    for name in SERVICES:
        done = service_command(name, "restore", str(tmp_path / "backup" / f"{name}.bak"), database=second[name])
        assert done.returncode == 0, done.stderr

    verified = subprocess.run(
        [sys.executable, "-m", "services.audit", "tools", "verify"], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, "BANCHENG_AUDIT_DATABASE_URL": second["audit"]}, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert " 0 faults" in verified.stdout

    restored = Stack(var_dir=tmp_path / "second", database_urls=second, issuer=issuer.url).start()
    try:
        deadline = time.monotonic() + 20
        case_url = f"{restored.url('intake')}/cases/{case['id']}"
        while (state := httpx.get(case_url, headers=clerk).json()["state"]) != "dispatched":
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        timeline = httpx.get(f"{restored.url('audit')}/cases/{case['id']}/timeline", headers=auditor).json()["items"]
        assert set(TRAIL) <= {entry["type"] for entry in timeline}
        assert len({entry["event_id"] for entry in timeline}) == len(timeline)  # nothing applied twice on replay
    finally:
        restored.stop()


def test_restoring_a_file_that_is_not_a_backup_exits_with_one_line(tmp_path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    done = service_command("sla", "restore", str(bogus), database=f"sqlite+aiosqlite:///{tmp_path / 'sla.db'}")
    assert done.returncode != 0
    assert done.stderr.strip() == f"error: {bogus} is not a SQLite backup"
