"""Chaos: cases posted at a fixed rate while a random service is killed (SIGKILL) and restarted every few
seconds; then the checks, as a table: every case complete, nothing doubled, outboxes empty, deliveries
sent once, and per kill how long the service took from its restart to /readyz and to consuming again
(every one of its consumer groups holding partitions).

    .venv/bin/python bench/chaos.py [--cases 1000] [--rate 20] [--kill-every 5] [--seed 1] [--postgres]

One process per service, on SQLite (or one PostgreSQL database per service with --postgres), over the
dev broker. Exits 1 when a check fails.
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared import db
from shared.dev.stack import SERVICES, Stack
from services.notify.config import NotifySettings
from tests.e2e.checks import (
    delivered_ids,
    doubled,
    outbox_pending,
    partitions,
    sink_lines,
    work_orders_per_case,
)
from tests.e2e.load import clerk_token, incomplete_trails, post_case
from tests.issuer import TokenIssuer


@dataclass
class Kill:
    service: str
    at_s: float  # since the first case was posted
    ready_s: float | None = None  # restart → /readyz
    consuming_s: float | None = None  # restart → every consumer group holds partitions


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def consuming(url: str, groups: set[str]) -> bool:
    try:
        held = partitions(url)
    except httpx.HTTPError:
        return False
    return all(held.get(group, 0) > 0 for group in groups)


def kill_and_restart(stack: Stack, name: str, groups: set[str], kill: Kill, timeout_s: float = 120) -> None:
    stack.kill(name)
    restarted = time.monotonic()
    stack.start_service(name, wait=False)
    deadline = restarted + timeout_s
    while time.monotonic() < deadline and kill.consuming_s is None:
        if kill.ready_s is None and ready(stack.url(name)):
            kill.ready_s = time.monotonic() - restarted
        if kill.ready_s is not None and consuming(stack.url(name), groups):
            kill.consuming_s = time.monotonic() - restarted
        time.sleep(0.05)


def run(stack: Stack, args: argparse.Namespace, issuer: TokenIssuer) -> tuple[list[str], list[Kill]]:
    """Post the cases at the rate; meanwhile kill a random service every `kill_every` seconds (the next once
    the last has recovered); returns the case ids and the kills."""
    groups = {name: set(partitions(stack.url(name))) for name in SERVICES}
    chance = random.Random(args.seed)
    kills: list[Kill] = []
    posting = threading.Event()
    posting.set()
    started = time.monotonic()

    def killer() -> None:
        next_at = started + args.kill_every
        while posting.is_set():
            time.sleep(max(min(next_at - time.monotonic(), 0.2), 0))
            if time.monotonic() < next_at or not posting.is_set():
                continue
            kill = Kill(chance.choice(SERVICES), time.monotonic() - started)
            kills.append(kill)
            kill_and_restart(stack, kill.service, groups[kill.service], kill)
            next_at = max(next_at + args.kill_every, time.monotonic())

    token = clerk_token(issuer)
    chaos = threading.Thread(target=killer)
    chaos.start()
    try:
        with ThreadPoolExecutor(16) as pool:
            futures = []
            for number in range(args.cases):
                time.sleep(max(started + number / args.rate - time.monotonic(), 0))
                futures.append(pool.submit(post_case, stack.url("intake"), number, token=token, deadline_s=300))
            case_ids = [future.result() for future in futures]
    finally:
        posting.clear()
        chaos.join()
    return case_ids, kills


def report(stack: Stack, case_ids: list[str], kills: list[Kill], args: argparse.Namespace, posted_s: float,
           issuer: TokenIssuer) -> bool:
    started = time.monotonic()
    short = incomplete_trails(stack.url("audit"), case_ids, issuer=issuer, timeout_s=args.settle_s)
    settled_s = time.monotonic() - started
    deadline = time.monotonic() + 60
    while any(pending := asyncio.run(outbox_pending(stack.database_urls))) and time.monotonic() < deadline:
        time.sleep(0.5)
    urls = stack.database_urls
    twice = asyncio.run(doubled(urls))
    per_case = asyncio.run(work_orders_per_case(urls["routing"]))
    sink, delivered = sink_lines(stack.var_dir / "notify-file-sink.jsonl"), asyncio.run(delivered_ids(urls["notify"]))
    repeats = sum(sink.values()) - len(sink)
    checks = [
        ("cases posted (distinct ids)", f"{len(set(case_ids))} of {args.cases}", len(set(case_ids)) == args.cases),
        (
            "cases with the whole trail in audit",
            f"{len(case_ids) - len(short)} ({settled_s:.0f} s after the last post)",
            not short,
        ),
        ("cases with work orders", str(len(per_case)), set(per_case) == set(case_ids)),
        *[(name, str(len(rows)), not rows) for name, rows in twice.items()],
        ("outbox rows unsent", ", ".join(f"{s} {n}" for s, n in pending.items()), not any(pending.values())),
        ("deliveries recorded / in the file sink", f"{len(delivered)} / {len(sink)}", set(sink) == delivered),
        (
            "file-sink lines written again (killed notify's sends in flight)",
            str(repeats),
            repeats <= NotifySettings().send_concurrency * sum(kill.service == "notify" for kill in kills),
        ),
    ]
    print(f"\n{args.cases} cases at {args.rate}/s ({posted_s:.0f} s of posting), a random service killed every "
          f"{args.kill_every} s, {'PostgreSQL' if args.postgres else 'SQLite'}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print(f"| {'check':<64} | {'result':<46} | ok |\n|{'-' * 66}|{'-' * 48}|----|")
    for name, result, ok in checks:
        print(f"| {name:<64} | {result:<46} | {'✓' if ok else '✗'}  |")
    print("\n| kill | at s | service | restart → /readyz s | restart → consuming s |\n|---|---|---|---|---|")
    for number, kill in enumerate(kills, 1):
        ready_s = f"{kill.ready_s:.1f}" if kill.ready_s is not None else "never"
        consuming_s = f"{kill.consuming_s:.1f}" if kill.consuming_s is not None else "never"
        print(f"| {number} | {kill.at_s:.0f} | {kill.service} | {ready_s} | {consuming_s} |")
    return all(ok for _name, _result, ok in checks) and all(kill.consuming_s is not None for kill in kills)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="cases posted a second")
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between kills")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle-s", type=float, default=300.0, help="how long the cases may take after the last post")
    parser.add_argument("--postgres", action="store_true", help="one PostgreSQL database per service, not SQLite")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    run_id = uuid.uuid4().hex[:8]
    urls = {name: f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_chaos_{name}_{run_id}" if args.postgres
            else f"sqlite+aiosqlite:///{var_dir / name}.db" for name in SERVICES}
    issuer = TokenIssuer().start()  # the services trust it; the load posts as a window clerk of hall FT
    stack = Stack(var_dir=var_dir, database_urls=urls, issuer=issuer.url).start()
    try:
        started = time.monotonic()
        case_ids, kills = run(stack, args, issuer)
        ok = report(stack, case_ids, kills, args, time.monotonic() - started, issuer)
    finally:
        stack.stop()
        issuer.stop()
        for url in urls.values() if args.postgres else ():
            asyncio.run(db.drop_postgres_database(url))
    print(f"\nlogs in {var_dir}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
