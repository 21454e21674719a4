"""How soon each service answers again after a restart: seconds from its process start to /healthz and to
/readyz, each service stopped and started in turn while the rest of the stack runs (SQLite, dev broker).

    .venv/bin/python bench/service_restart.py [--rounds 3]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from shared.dev.stack import SERVICES, Stack


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def restart(stack: Stack, name: str) -> tuple[float, float]:
    stack.stop_service(name)
    started = time.monotonic()
    stack.start_service(name, wait=False)
    healthy = None
    while True:
        if healthy is None and answers(f"{stack.url(name)}/healthz"):
            healthy = time.monotonic() - started
        if healthy is not None and answers(f"{stack.url(name)}/readyz"):
            return healthy, time.monotonic() - started
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    stack = Stack(var_dir=Path(tempfile.mkdtemp(prefix="bench-restart-"))).start()
    try:
        print(f"{'service':<8} {'healthz s (median, max)':>24} {'readyz s (median, max)':>24}")
        for name in SERVICES:
            times = [restart(stack, name) for _ in range(rounds)]
            health, ready = [t[0] for t in times], [t[1] for t in times]
            print(f"{name:<8} {statistics.median(health):>15.2f} {max(health):>8.2f}"
                  f" {statistics.median(ready):>15.2f} {max(ready):>8.2f}", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
