"""`make run`'s launcher: ready well within 30 s on this machine, and Ctrl-C (to the launcher alone or, as a
terminal sends it, to its whole process group) or `kill` stops every service before the broker, none killed."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.devbroker import free_port
from shared.devstack import DEFAULT_PORTS
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


def own_session() -> None:
    os.setsid()  # as a terminal runs a foreground job: the launcher leads a process group of its own


@pytest.mark.parametrize(("stop_signal", "preexec", "to_group"), [
    pytest.param(signal.SIGINT, ignoring_sigint, False, id="ctrl-c, even started with SIGINT ignored"),
    pytest.param(signal.SIGINT, own_session, True, id="ctrl-c in a terminal, to the whole process group"),
    pytest.param(signal.SIGTERM, None, False, id="kill"),
])
def test_launcher_prints_where_everything_listens_and_a_stop_signal_stops_every_child(
    tmp_path, stop_signal, preexec, to_group  # noqa: ANN001
) -> None:
    ports = {f"BANCHENG_{name.upper()}_PORT": str(free_port()) for name in DEFAULT_PORTS}
    simulator_port = str(free_port())
    environment = {**os.environ, **ports, "BANCHENG_BROKER_PORT": str(free_port()), "BANCHENG_VAR_DIR": str(tmp_path),
                   "BANCHENG_HOTLINE12345_PORT": simulator_port}
    started = time.monotonic()
    launcher = subprocess.Popen([sys.executable, "-m", "shared.devstack"], cwd=REPO_ROOT, env=environment,
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
        assert len(children) == 1 + len(DEFAULT_PORTS) + 1  # the broker, five services, the 12345 simulator
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
