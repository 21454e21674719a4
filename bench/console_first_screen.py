"""The console's first screen with many cases stored (issue #17: interactive ≤ 1.5 s with 100,000 cases).

Starts the whole stack (`shared.dev.stack`: broker, identity with the demo users, the five services and the
console) in a temporary var dir, so every service's database is a SQLite file there. Before measuring it stores
`--cases` cases straight into intake's database: rows built with intake's own table (`Case`) and
`shared.rows.row_values`, the applicant sealed, blind-indexed and masked by intake's own
`sealed_columns` under the same (development) keyring intake runs with, written with `shared.bulk_insert`
in batches of 5,000 while intake runs (SQLite's WAL lets its readers go on). Registering them over HTTP one
by one would take about ten minutes on this machine; the rows are what those registrations leave in the
case table. They spread over the demo district's two halls, its channels, problem kinds and matters and
the last year's dates; 3 % each sit in the awaiting-acceptance, awaiting-callback, reopened, paused and
forwarded (stuck) states, the rest are archived, so the queues' indexed reads and their sort really run
over 100,000 rows. Half the forwarded and reopened cases also get sla's supervision item (督办; yellow, a
third red) in sla's database, as sla's `SupervisionItem` rows, so the supervisor's board groups real cards.
Audit's read model (what /statistics reads: per-case facts and their rollups, kept in step by its consumer)
is NOT seeded: its figure is for that screen over an empty store.

Measured in Debian's chromium through Playwright (as tests/e2e do): the window clerk (clerk.demo) on
/queues; the supervisor (supervisor.demo, password and TOTP) on /board and /statistics. Each person signs
in once; their cookies are kept. A cold visit is a new browser context holding only those cookies (empty
HTTP cache) and a first `page.goto`; a warm visit is a second `goto` in the same context. The figure is
the page's `performance.now()` (ms since the navigation began) read as soon as the screen's table or cards
show data and no loading mask remains. Prints median and max of `--runs` cold and warm visits; asserts
nothing.

    .venv/bin/python bench/console_first_screen.py [--cases 100000] [--runs 5]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.bulk_insert import insert_many
from shared.dev.stack import CONSOLE, SERVICES, Stack
from shared.personal_data import get_keyring
from shared.rows import row_values
from services.intake.store.personal_data import sealed_columns
from services.intake.store.tables import Case
from services.sla.store.tables import SupervisionItem

CHROMIUM = "/usr/bin/chromium"  # Debian's, as tests/e2e/test_console.py
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
HALLS = ("FT", "DEMO")
CHANNELS = ("walk_in", "phone", "letter", "web", "hotline_12345")
KINDS = (("missing_materials", "business_licence"), ("missing_materials", "lease_filing"), ("policy_unclear", None))
# The open queues' states, 3 % each; every other case is archived.
OPEN_STATES = ("registered", "replied", "reopened", "paused", "dispatched")
OPEN_SHARE = 0.03
BATCH = 5000
# The demo district's departments (shared/districts/packs/demo/catalogue.yaml) a supervision item may name.
DEPARTMENTS = ("market", "housing", "medical_insurance", "hr_social", "tax", "public_security", "real_estate")
# Of the cases waiting on a reply (forwarded or reopened), the share sla has carded (督办).
CARDED_SHARE = 0.5
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
# The screens, and what shows they are ready: data rendered, the loading mask gone.
SCREENS = {
    "/queues": "[data-test=queue-case]",
    "/board": ".cards .card, .el-empty",
    "/statistics": "[data-test=statistics-table] tbody tr, [data-test=statistics-table] .el-table__empty-text",
}
MASKS = {"/queues": "[data-test=queues] .el-loading-mask", "/board": ".cards > .el-loading-mask",
         "/statistics": "[data-test=statistics] .el-loading-mask"}


def case_rows(start: int, count: int, keyring, rng: random.Random, now: datetime) -> list[dict]:
    rows = []
    for index in range(start, start + count):
        hall = HALLS[index % len(HALLS)]
        draw = rng.random()
        state = OPEN_STATES[int(draw / OPEN_SHARE)] if draw < OPEN_SHARE * len(OPEN_STATES) else "archived"
        created = now - timedelta(days=rng.uniform(0, 365))
        kind, matter = KINDS[index % len(KINDS)]
        applicant = {"kind": "person", "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                     "phone": f"13{rng.randrange(10**9):09d}", "email": None, "id_type": None, "id_number": None,
                     "credit_code": None, "contact_name": ""}
        case_id = f"bench-{index:08d}"
        rows.append(row_values(
            Case, id=case_id, case_number=f"{hall}-{created:%Y%m%d}-B{index:07d}", district="demo", hall=hall,
            channel=CHANNELS[index % len(CHANNELS)], problem_kind=kind, matter_code=matter,
            description="办事材料反复被要求补充，窗口无法一次性告知", complexity_tier="general", state=state,
            first_responder="person:clerk.demo", pack_version=1,
            resume_to="dispatched" if state == "paused" else None,
            reply_due_at=None if state in ("archived", "paused") else created + timedelta(days=rng.randint(3, 15)),
            received_at=created, created_at=created, updated_at=created + timedelta(hours=1),
            **sealed_columns(keyring, case_id=case_id, applicant=applicant)))
    return rows


def supervision_rows(cases: list[dict], rng: random.Random) -> list[dict]:
    """sla's supervision items (督办) for a share of the cases still owed a reply: yellow, a third turned red."""
    rows = []
    for case in cases:
        if case["state"] not in ("dispatched", "reopened") or rng.random() >= CARDED_SHARE:
            continue
        opened = case["created_at"] + timedelta(days=2)
        red = rng.random() < 1 / 3
        rows.append(row_values(
            SupervisionItem, id=f"sup-{case['id']}", deadline_id=f"deadline-{case['id']}", case_id=case["id"],
            colour="red" if red else "yellow", reason="reply_deadline", department=rng.choice(DEPARTMENTS),
            hall=case["hall"], district="demo", opened_at=opened, red_at=opened + timedelta(days=1) if red else None))
    return rows


def seed(var_dir: Path, cases: int) -> tuple[float, int]:
    """Store `cases` rows in intake's case table and sla's supervision items for some of them; the seconds it
    took and how many items."""
    started = time.perf_counter()
    keyring = get_keyring(environment="development")  # the stack's services run as development
    rng = random.Random(17)
    now = datetime.now(UTC)
    intake = create_engine(f"sqlite:///{var_dir / 'intake.db'}")
    sla = create_engine(f"sqlite:///{var_dir / 'sla.db'}")
    items = 0
    try:
        for start in range(0, cases, BATCH):
            rows = case_rows(start, min(BATCH, cases - start), keyring, rng, now)
            with intake.begin() as connection:
                insert_many(connection, Case.__table__, rows)
            supervision = supervision_rows(rows, rng)
            with sla.begin() as connection:
                insert_many(connection, SupervisionItem.__table__, supervision)
            items += len(supervision)
            print(f"  stored {start + len(rows):,} cases", end="\r", flush=True)
    finally:
        intake.dispose()
        sla.dispose()
    print()
    return time.perf_counter() - started, items


def sign_in(browser: Browser, console: str, username: str, password: str, totp: str | None = None) -> dict:
    """Through the identity service's form (and its TOTP step for a privileged person); the cookies kept."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(console)
    page.get_by_role("link", name="登录").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录 Log in").click()
    if totp:
        page.locator("#code").fill(pyotp.TOTP(totp).now())
        page.get_by_role("button", name="验证 Verify").click()
    page.wait_for_url(f"{console}/**")
    page.locator("[data-test=user]").wait_for()
    state = context.storage_state()
    context.close()
    return state


def visit(page: Page, console: str, path: str) -> float:
    """ms from the navigation's start until the screen shows data and no loading mask."""
    page.goto(console + path)
    page.locator(SCREENS[path]).first.wait_for(timeout=60_000)
    page.locator(MASKS[path]).first.wait_for(state="hidden", timeout=60_000)
    return page.evaluate("performance.now()")


def measure(browser: Browser, console: str, state: dict, path: str, runs: int) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    for _ in range(runs):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, storage_state=state)
        page = context.new_page()
        cold.append(visit(page, console, path))
        warm.append(visit(page, console, path))
        context.close()
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-first-screen-") as var_dir:
        stack = Stack(var_dir=Path(var_dir)).start([*SERVICES, CONSOLE])
        try:
            seconds, items = seed(Path(var_dir), args.cases)
            print(f"{args.cases:,} cases stored in intake's database and {items:,} supervision items in sla's, "
                  f"in {seconds:.1f} s")
            console = stack.url(CONSOLE)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                clerk = sign_in(browser, console, "clerk.demo", "Window#Desk2026")
                supervisor = sign_in(browser, console, "supervisor.demo", "Oversee#Demo2026",
                                     totp="SUPERVISORDEMOBANCHENGTOTPAAAAAA")
                print(f"{'person':<12}{'screen':<13}{'cold median':>13}{'cold max':>10}"
                      f"{'warm median':>13}{'warm max':>10}   (ms, {args.runs} runs)")
                for who, state, path in (("clerk", clerk, "/queues"), ("supervisor", supervisor, "/board"),
                                         ("supervisor", supervisor, "/statistics")):
                    cold, warm = measure(browser, console, state, path, args.runs)
                    print(f"{who:<12}{path:<13}{statistics.median(cold):>13.0f}{max(cold):>10.0f}"
                          f"{statistics.median(warm):>13.0f}{max(warm):>10.0f}")
                browser.close()
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
