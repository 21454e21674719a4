"""The whole system on one machine: the dev broker and every service as its own process.

The identity provider starts first (seeded with the demo district) and every service is told to trust it
(`BANCHENG_AUTH_ISSUER`); the staff console starts last, told the services' addresses, and is the console
client's redirect URI at the identity provider. `make run` uses it in the foreground (`python -m
shared.dev.stack`); the integration tests use `Stack` to start real processes on free ports, kill and restart
them.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from shared.dev import login
from shared.dev.broker import DevBroker, free_port
from shared.settings import REPO_ROOT

SERVICES = ("intake", "routing", "sla", "notify", "audit")
DEFAULT_PORTS = {"intake": 8101, "routing": 8102, "sla": 8103, "notify": 8104, "audit": 8105}
# The embedded OIDC provider: started first, seeded with the demo district; every service trusts its issuer
# (BANCHENG_AUTH_ISSUER). Production uses any OIDC provider instead (docs/identity.md).
IDENTITY = "identity"
IDENTITY_PORT = 8100
# Read as data (shared/ imports no service): the demo people `make run` lists.
IDENTITY_DEMO = REPO_ROOT / "services" / "identity" / "data" / "demo.yaml"
# The 12345 platform cannot be had here: its simulator speaks the same signed protocol (docs/intake-12345.md).
HOTLINE_SIMULATOR = "hotline12345_simulator"
HOTLINE_SIMULATOR_MODULE = "shared.dev.hotline12345"  # dev tooling, not a service
SIMULATOR_PORT = 8110
# The staff console (backend-for-frontend and the Vue app): where people log in (docs/console.md).
CONSOLE = "console"
CONSOLE_PORT = 8106


@dataclass
class Stack:
    var_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in (IDENTITY, *SERVICES)})
    broker_port: int | None = None
    database_urls: dict[str, str] = field(default_factory=dict)  # default: SQLite under var_dir
    extra_env: dict[str, str] = field(default_factory=dict)
    hotline_simulator: bool = False
    # The token issuer every service trusts (BANCHENG_AUTH_ISSUER). None: the stack starts the embedded
    # identity service first (seeded with the demo district) and every service trusts it.
    issuer: str | None = None
    broker: DevBroker = field(init=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.broker = DevBroker(self.broker_port, log_path=self.var_dir / "broker.log")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def runs_identity(self) -> bool:
        return self.issuer is None

    @property
    def issuer_url(self) -> str:
        """The OIDC issuer every service trusts: the one given, or the embedded identity service."""
        return self.issuer or self.url(IDENTITY)

    def start(self, services: Iterable[str] = SERVICES, timeout_s: float = 60.0) -> "Stack":
        """Start the broker and `services`; if any fails to become ready, stop everything started."""
        try:
            if self.broker.process is None:
                self.broker.start()
            names = list(services)
            if self.runs_identity and IDENTITY not in names:
                self.ports.setdefault(IDENTITY, free_port())
                names.insert(0, IDENTITY)
            if self.hotline_simulator:
                self.ports.setdefault(HOTLINE_SIMULATOR, free_port())
                names.append(HOTLINE_SIMULATOR)
            if CONSOLE in names:  # last: it forwards to the others; its port known before identity's start
                self.ports.setdefault(CONSOLE, free_port())
                names.remove(CONSOLE)
                names.append(CONSOLE)
            for name in names:
                self.start_service(name, wait=False)
            for name in names:
                self.wait_ready(name, timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def environment(self, name: str) -> dict[str, str]:
        common = {**os.environ, "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers}
        if self.issuer is not None:
            common["BANCHENG_AUTH_ISSUER"] = self.issuer
        if name == HOTLINE_SIMULATOR:
            return {
                **common,
                "BANCHENG_HOTLINE12345_PORT": str(self.ports[name]),
                "BANCHENG_HOTLINE12345_INTAKE_URL": self.url("intake"),
                "BANCHENG_HOTLINE12345_DATABASE_PATH": str(self.var_dir / "hotline12345.db"),
                **self.extra_env,
            }
        prefix = f"BANCHENG_{name.upper()}_"
        url = self.database_urls.get(name, f"sqlite+aiosqlite:///{self.var_dir / name}.db")
        hotline = {"BANCHENG_NOTIFY_HOTLINE_ENDPOINT": self.url(HOTLINE_SIMULATOR)} if self.hotline_simulator else {}
        backends = ({f"BANCHENG_CONSOLE_{service.upper()}_URL": self.url(service)
                     for service in (IDENTITY, *SERVICES) if service in self.ports} if name == CONSOLE else {})
        if name == IDENTITY:
            auth = {"BANCHENG_IDENTITY_ISSUER": self.url(IDENTITY), "BANCHENG_IDENTITY_SEED_DEMO": "true"}
            if CONSOLE in self.ports:  # the console on its port, and shared.dev.login's (it reads the redirect)
                redirects = dict.fromkeys([f"{self.url(CONSOLE)}/auth/callback", login.REDIRECT_URI])
                auth["BANCHENG_IDENTITY_CONSOLE_REDIRECT_URIS"] = json.dumps(list(redirects))
        elif self.runs_identity and IDENTITY in self.processes:  # a given issuer is in `common` already
            # Only the identity service this stack runs: a service started alone keeps the environment's issuer.
            auth = {"BANCHENG_AUTH_ISSUER": self.url(IDENTITY)}
        else:
            auth = {}
        return {
            **common,
            "BANCHENG_NOTIFY_FILE_SINK": str(self.var_dir / "notify-file-sink.jsonl"),
            "BANCHENG_INTAKE_ATTACHMENTS_DIR": str(self.var_dir / "intake-attachments"),
            f"{prefix}PORT": str(self.ports[name]),
            f"{prefix}DATABASE_URL": url,
            **auth,
            **hotline,
            **backends,
            **self.extra_env,
        }

    def start_service(self, name: str, *, wait: bool = True, timeout_s: float = 60.0) -> None:
        log = open(self.var_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child writes it; ours closes now
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", HOTLINE_SIMULATOR_MODULE if name == HOTLINE_SIMULATOR else f"services.{name}"],
            cwd=REPO_ROOT,
            env=self.environment(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: a terminal's Ctrl-C reaches the launcher alone, which stops the
            # services before the broker (signalled together, the broker went first and the services
            # spun on reconnects until they were killed).
            process_group=0,
        )
        log.close()
        if wait:
            self.wait_ready(name, timeout_s)

    def wait_ready(self, name: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        process = self.processes[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.var_dir / name}.log")
            try:
                ready_path = "/healthz" if name == HOTLINE_SIMULATOR else "/readyz"
                if httpx.get(f"{self.url(name)}{ready_path}", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready within {timeout_s}s; see {self.var_dir / name}.log")

    def cpu_seconds(self, name: str) -> float:
        """CPU time (user + system) the service's process (or "broker"'s) has used so far: benchmarks report
        it per event, a figure that holds when the machine's other load makes wall-clock rates noisy."""
        process = self.broker.process if name == "broker" else self.processes[name]
        assert process is not None, f"{name} is not running"
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def stop_service(self, name: str, timeout_s: float = 20.0) -> None:
        self._stop([name], timeout_s)

    def stop(self, timeout_s: float = 20.0) -> dict[str, int]:
        """Every service at once, then the broker, so no service loses the bus while it drains: the stop
        takes the longest service's stop, not their sum. Returns each child's exit code, the broker's
        last (negative: ended by that signal, -9 when it had to be killed)."""
        codes = self._stop(list(self.processes), timeout_s)
        codes["broker"] = self.broker.stop()
        return codes

    def _stop(self, names: list[str], timeout_s: float) -> dict[str, int]:
        running = {name: process for name in names
                   if (process := self.processes.pop(name, None)) and process.poll() is None}
        for process in running.values():
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in running.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return {name: process.returncode for name, process in running.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Run the broker, the identity provider, the five services and the console on this machine")
    parser.add_argument("--broker-port", type=int, default=int(os.environ.get("BANCHENG_BROKER_PORT", 9092)))
    parser.add_argument("--var-dir", type=Path, default=Path(os.environ.get("BANCHENG_VAR_DIR", REPO_ROOT / "var")))
    args = parser.parse_args()
    ports = {name: int(os.environ.get(f"BANCHENG_{name.upper()}_PORT", port)) for name, port in DEFAULT_PORTS.items()}
    ports[HOTLINE_SIMULATOR] = int(os.environ.get("BANCHENG_HOTLINE12345_PORT", SIMULATOR_PORT))
    ports[IDENTITY] = int(os.environ.get("BANCHENG_IDENTITY_PORT", IDENTITY_PORT))
    ports[CONSOLE] = int(os.environ.get("BANCHENG_CONSOLE_PORT", CONSOLE_PORT))
    stack = Stack(var_dir=args.var_dir, ports=ports, broker_port=args.broker_port, hotline_simulator=True)
    # Ctrl-C even when started with SIGINT ignored (a shell's background job: Python then keeps it
    # ignored, and the launcher outlived a test's Ctrl-C with every child running); `kill` stops it too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    try:
        stack.start([*SERVICES, CONSOLE])
        print(f"\nBancheng is up in {time.monotonic() - started:.1f}s (logs in var/):", flush=True)
        print(f"  log in here: {stack.url(CONSOLE)}   the staff console (工作台)")
        print(f"  citizens:    {stack.url(CONSOLE)}/m   report and follow, no login; {stack.url(CONSOLE)}/kiosk the "
              "terminal (docs/console.md)")
        print(f"  broker   {stack.broker.bootstrap_servers} (Tansu, in memory)")
        for name in SERVICES:
            print(f"  {name:<8} {stack.url(name)}   docs {stack.url(name)}/docs")
        print(f"  12345 simulator {stack.url(HOTLINE_SIMULATOR)} (POST /orders pushes a hotline order in)")
        print_identity(stack)
        print("Ctrl-C stops everything.", flush=True)
        while all(process.poll() is None for process in stack.processes.values()):
            time.sleep(0.5)
        failed = [name for name, process in stack.processes.items() if process.poll() is not None]
        print(f"stopped: {', '.join(failed)} exited; see var/<name>.log", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C does not cut the stop short
            signal.signal(stop_signal, signal.SIG_IGN)
        stopping = time.monotonic()
        codes = stack.stop()
        ended = ", ".join(f"{name} {describe_exit(code)}" for name, code in codes.items())
        print(f"stopped in {time.monotonic() - stopping:.1f}s: {ended}", flush=True)


def describe_exit(code: int) -> str:
    """`0`, `exit 1`, or the signal that ended the process (`SIGKILL` where the stop had to kill it)."""
    if code < 0:
        return signal.Signals(-code).name
    return "0" if code == 0 else f"exit {code}"


def print_identity(stack: Stack) -> None:
    """Where the identity provider listens, and the demo district's people (demo passwords only)."""
    issuer = stack.issuer_url
    print(f"  {IDENTITY:<8} {issuer}   OIDC issuer, discovery {issuer}/.well-known/openid-configuration")
    demo = yaml.safe_load(IDENTITY_DEMO.read_text(encoding="utf-8"))
    print("Demo users (docs/identity.md; TOTP secret: add it to any authenticator app):")
    for user in demo["users"]:
        where = user.get("hall") or user.get("department") or demo["district"]["code"]
        totp = f" TOTP {user['totp_secret']}" if user.get("totp_secret") else ""
        print(f"  {user['username']:<19} {user['role']:<15} {where:<7} {user['password']:<19}{totp}".rstrip())


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
