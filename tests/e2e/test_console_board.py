"""The supervisor's SLA board in a real browser over the real stack: the supervisor signs in (password and
one-time code) and keeps the board open; a clerk registers a case, routing dispatches it to market, sla arms
its deadlines; sla's test clock is moved past them, the sweeper issues the cards, and the open board shows
the case's card in market's group without a reload (the change travels sla → bus → console → /api/live).
The market handler's open inbox likewise shows a newly dispatched order without a click on 刷新."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from shared.dev.login import console_session
from shared.dev.stack import CONSOLE, SERVICES, Stack
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import DEMO_USERS as DEMO
from tests.e2e.browser import screenshots_dir, sign_in
from tests.e2e.test_console import MATTER


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Identity, the five services (sla with its test clock) and the console."""
    started = Stack(var_dir=tmp_path_factory.mktemp("board"), extra_env={"BANCHENG_SLA_ENVIRONMENT": "test"})
    started.start([*SERVICES, CONSOLE])
    try:
        yield started
    finally:
        started.stop()


def as_person(console: str, username: str) -> httpx.Client:
    """An HTTP client signed in at the console as `username`, sending the CSRF header."""
    user = DEMO[username]
    cookies = console_session(console, username, user["password"], user.get("totp_secret"))
    return httpx.Client(base_url=console, cookies=cookies, headers={"x-csrf-token": cookies["bancheng_csrf"]},
                        timeout=20)


def test_the_open_board_shows_a_new_card_without_a_reload(stack: Stack, browser: Browser, tmp_path: Path) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(context, console, "supervisor.demo")
    page.wait_for_url(f"{console}/board")  # a supervisor's first screen
    page.locator("[data-test=live]", has_text="实时").wait_for()
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    with as_person(console, "clerk.demo") as clerk:
        registered = clerk.post("/api/intake/cases", json={
            "hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": MATTER,
            "description": "营业执照办理受阻，窗口无法受理", "applicant": {"kind": "person", "name": "王五",
                                                                   "phone": "13712345678"}})
        assert registered.status_code == 201, registered.text
        case_id = registered.json()["id"]

    with as_person(console, "supervisor.demo") as supervisor:
        deadlines: list[dict] = []
        for _ in range(150):  # the dispatch travels intake → routing → sla
            deadlines = supervisor.get(f"/api/sla/cases/{case_id}/deadlines").json()["items"]
            if any(d["subject"] == "work_order" and d["due_at"] for d in deadlines):
                break
            page.wait_for_timeout(200)
        else:
            raise AssertionError(f"the work order's deadline was never armed: {deadlines}")
    card = page.locator(f"[data-group=market] [data-case='{case_id}']")
    assert not card.count()

    latest_due = max(datetime.fromisoformat(d["due_at"]) for d in deadlines if d["due_at"])
    with as_person(console, "sysadmin.demo") as sysadmin:
        moved = sysadmin.put("/api/sla/test/clock", json={"now": (latest_due + timedelta(days=30)).isoformat()})
        assert moved.status_code == 200, moved.text

    card.wait_for(timeout=30_000)  # the sweeper's card, announced on the bus, refreshed market's group
    assert page.evaluate("window.sameDocument") is True
    assert "red" in (card.get_attribute("class") or "")  # 30 days late: past the margin
    assert page.locator("[data-group=market] [data-test=red]").inner_text() != "红牌 0"
    page.screenshot(path=screenshots / "console-board.png")
    assert_accessible(page, "board")

    card.get_by_role("button", name="催办").click()
    page.get_by_role("button", name="确定").click()
    card.get_by_text("已催办").wait_for()
    context.close()


def test_the_open_inbox_shows_a_new_work_order_of_its_department_without_a_click(stack: Stack,
                                                                                  browser: Browser) -> None:
    console = stack.url(CONSOLE)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(console)
    page.get_by_role("link", name="登录").click()
    page.locator("#username").fill("handler.market")
    page.locator("#password").fill(DEMO["handler.market"]["password"])
    with page.expect_response(lambda response: response.url.endswith("/api/live")) as stream:
        page.get_by_role("button", name="登录 Log in").click()
        page.wait_for_url(f"{console}/inbox")
    assert stream.value.status == 200  # the inbox's live stream is open
    page.locator("[data-test=inbox]").wait_for()
    with as_person(console, "clerk.demo") as clerk:
        registered = clerk.post("/api/intake/cases", json={
            "hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": MATTER,
            "description": "执照变更材料清单不一致", "applicant": {"kind": "person", "name": "赵六",
                                                               "phone": "13612345678"}})
        assert registered.status_code == 201, registered.text
    # No 刷新: the dispatch reaches the market inbox as a live change.
    page.locator("[data-test=inbox]").get_by_text(registered.json()["case_number"]).wait_for(timeout=30_000)
    context.close()
