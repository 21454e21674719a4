"""`make run`'s launcher: ready well within 30 s on this machine, identity seeded and its demo users listed, and
Ctrl-C (to the launcher alone or, as a terminal sends it, to its whole process group) or `kill` stops every
service before the broker, none killed."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.dev.broker import free_port
from shared.dev.stack import CONSOLE, DEFAULT_PORTS, IDENTITY
from shared.settings import REPO_ROOT


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def ignoring_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell starts a background job


def devlogin(issuer: str, username: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shared.dev.login", username, "--issuer", issuer], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def first_case_as_the_readme_shows(issuer: str, intake: str, audit: str) -> None:
    """The README's first steps: a demo clerk signs in (code + PKCE at the identity service), registers a case;
    the supervisor, whose role needs a second factor, reads its timeline."""
    clerk = {"authorization": f"Bearer {devlogin(issuer, 'clerk.demo')}"}
    case = {"hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": "lease_filing",
            "description": "孩子入学急需租赁凭证，银行同意函来不及", "forward": True,
            "applicant": {"kind": "person", "name": "张三", "phone": "13812345678"}}
    registered = httpx.post(f"{intake}/cases", json=case, headers=clerk, timeout=10)
    assert registered.status_code == 201, registered.text
    supervisor = {"authorization": f"Bearer {devlogin(issuer, 'supervisor.demo')}"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        timeline = httpx.get(f"{audit}/cases/{registered.json()['id']}/timeline", headers=supervisor, timeout=10)
        assert timeline.status_code == 200, timeline.text
        if "workorder.dispatched" in {entry["type"] for entry in timeline.json()["items"]}:
            break
        time.sleep(0.2)
    assert "workorder.dispatched" in {entry["type"] for entry in timeline.json()["items"]}
    assert httpx.post(f"{intake}/cases", json=case, timeout=10).status_code == 401  # nobody signed in


def own_session() -> None:
    os.setsid()  # as a terminal runs a foreground job: the launcher leads a process group of its own


@pytest.mark.parametrize(("stop_signal", "preexec", "to_group"), [
    pytest.param(signal.SIGINT, ignoring_sigint, False, id="ctrl-c, even started with SIGINT ignored"),
    pytest.param(signal.SIGINT, own_session, True, id="ctrl-c in a terminal, to the whole process group"),
    pytest.param(signal.SIGTERM, None, False, id="kill, after a newcomer's first case"),
])
def test_launcher_prints_where_everything_listens_and_a_stop_signal_stops_every_child(
    tmp_path, stop_signal, preexec, to_group
) -> None:
    ports = {f"BANCHENG_{name.upper()}_PORT": str(free_port()) for name in (IDENTITY, *DEFAULT_PORTS, CONSOLE)}
    simulator_port = str(free_port())
    environment = {**os.environ, **ports, "BANCHENG_BROKER_PORT": str(free_port()), "BANCHENG_VAR_DIR": str(tmp_path),
                   "BANCHENG_HOTLINE12345_PORT": simulator_port}
    started = time.monotonic()
    launcher = subprocess.Popen([sys.executable, "-m", "shared.dev.stack"], cwd=REPO_ROOT, env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=preexec)
    children: set[int] = set()
    try:
        lines = []
        for line in launcher.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        ready_after = time.monotonic() - started
        output = "".join(lines)
        assert "Bancheng is up" in output, output
        for name, port in ports.items():
            assert f"http://127.0.0.1:{port}" in output
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200, name
        assert httpx.get(f"http://127.0.0.1:{simulator_port}/healthz").status_code == 200
        print(f"make run ready in {ready_after:.1f} s")
        children = children_of(launcher.pid)
        # the broker, the identity provider, five services, the 12345 simulator, the console
        assert len(children) == 1 + 1 + len(DEFAULT_PORTS) + 1 + 1
        assert output.index("log in here") < output.index("broker ")  # the console's address comes first
        issuer = f"http://127.0.0.1:{ports['BANCHENG_IDENTITY_PORT']}"
        assert httpx.get(f"{issuer}/.well-known/openid-configuration").json()["issuer"] == issuer
        assert "clerk.demo" in output and "TOTP" in output  # the demo users, second factor where needed
        if stop_signal == signal.SIGTERM:
            first_case_as_the_readme_shows(issuer, f"http://127.0.0.1:{ports['BANCHENG_INTAKE_PORT']}",
                                           f"http://127.0.0.1:{ports['BANCHENG_AUDIT_PORT']}")
    finally:
        stopping = time.monotonic()
        if to_group:
            os.killpg(launcher.pid, stop_signal)
        else:
            launcher.send_signal(stop_signal)
        try:
            exit_code = launcher.wait(60)
            print(f"stopped after {time.monotonic() - stopping:.1f} s")
        finally:
            deadline = time.monotonic() + 10
            while any(alive(child) for child in children) and time.monotonic() < deadline:
                time.sleep(0.1)
            left_running = [child for child in children if alive(child)]
            for pid in [*left_running, launcher.pid]:  # nothing left running behind a failure
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    assert exit_code == 0
    assert left_running == []
    report = next(line for line in launcher.stdout.read().splitlines() if line.startswith("stopped in"))
    ended = dict(part.rsplit(" ", 1) for part in report.split(": ", 1)[1].split(", "))
    assert list(ended)[-1] == "broker", report  # the services drain while the bus is still there
    assert "SIGKILL" not in ended.values(), report
