"""The staff console in a real browser (Debian's chromium through Playwright): a window clerk signs in at the
identity service and registers a case; the market department's handler signs in, finds its work order in
the inbox, signs for it and replies. The session is CSRF-safe and the browser never holds a token."""

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from shared.dev.stack import CONSOLE, SERVICES, Stack
from shared.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `make test` where missing
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
# docs/screenshots is refreshed on request (BANCHENG_SCREENSHOTS=1): an ordinary run leaves the checkout clean.
UPDATE_SCREENSHOTS = os.environ.get("BANCHENG_SCREENSHOTS") == "1"
# A JWT (header.payload.signature, base64url JSON): what an access, refresh or ID token of the issuer looks like.
JWT = re.compile(rb"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}")
# Enterprise registration: led by the market department (shared/districts/packs/demo/catalogue.yaml).
MATTER = "business_licence"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Identity (seeded with the demo users), the five services and the console."""
    stack = Stack(var_dir=tmp_path_factory.mktemp("console")).start([*SERVICES, CONSOLE])
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(context: BrowserContext, console: str, username: str, password: str) -> Page:
    """At the console's landing page, 登录 → the identity service's form → back, signed in."""
    page = context.new_page()
    page.goto(console)
    page.get_by_role("link", name="登录").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录 Log in").click()
    page.wait_for_url(f"{console}/**")
    page.locator("[data-test=user]").wait_for()
    return page


def test_a_clerk_registers_a_case_and_the_market_handler_signs_for_and_replies_in_the_inbox(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = REPO_ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else tmp_path
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    responses: list[Response] = []
    clerk.on("response", lambda response: responses.append(response))
    blocked: list[str] = []  # the pages' CSP (services/console/api/web.py) must not block the app's own code
    clerk.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    landing = clerk.new_page()
    landing.goto(console)
    landing.get_by_role("link", name="登录").wait_for()
    landing.screenshot(path=screenshots / "console-login.png")
    landing.close()

    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    assert "演示窗口人员" in page.locator("[data-test=user]").inner_text()
    page.wait_for_url(f"{console}/register")
    assert page.locator("[data-test=hall]").input_value() == "DEMO"  # the clerk's own hall, from the token
    page.locator("[data-test=matter-code]").fill(MATTER)
    page.locator("[data-test=description]").fill("个体户办执照，经营场所证明材料不被认可")
    page.locator("[data-test=applicant-name]").fill("张三")
    phone = page.locator("[data-test=applicant-phone]")
    phone.fill("1381234")
    page.get_by_text("请输入 11 位手机号码或带区号的固定电话").wait_for()  # checked as typed
    assert page.locator("[data-test=submit]").is_disabled()
    phone.fill("13812345678")
    page.locator("[data-test=submit]").click()
    case_number = page.locator("[data-test=registered] [data-test=case-number]").inner_text(timeout=20_000)
    assert re.fullmatch(r"DEMO-\d{8}-\d+", case_number), case_number
    page.screenshot(path=screenshots / "console-register.png")

    page.locator("[data-test=case-link]").click()
    page.locator("h2 [data-test=case-number]").wait_for()
    assert page.locator("h2 [data-test=case-number]").inner_text() == case_number
    applicant = page.locator("[data-test=applicant]").inner_text()
    assert "13812345678" not in applicant and "张三" not in applicant  # masked
    page.locator("[data-test=timeline] .el-timeline-item").first.wait_for()
    assert page.locator("[data-test=state]").inner_text().strip()  # the state's Chinese label
    page.screenshot(path=screenshots / "console-case.png")

    # The browser never holds a token: not in any response it received, nor in a cookie it can read.
    for response in responses:
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect has no body
            body = b""
        assert not JWT.search(body), response.url
        assert not any(JWT.search(value.encode()) for value in response.headers.values()), response.url
    assert not JWT.search(page.evaluate("document.cookie").encode())
    assert not blocked, blocked
    cookies = {cookie["name"]: cookie for cookie in clerk.cookies(console)}
    assert cookies["bancheng_session"]["httpOnly"] and cookies["bancheng_session"]["sameSite"] == "Lax"
    assert not any(JWT.search(cookie["value"].encode()) for cookie in cookies.values())
    clerk.close()

    handler = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = sign_in(handler, console, "handler.market", "Handle#Market2026")
    page.wait_for_url(f"{console}/inbox")
    deadline = time.monotonic() + 60
    while not page.locator("[data-test=inbox]").get_by_text(case_number).count():
        assert time.monotonic() < deadline, f"{case_number} never reached the market inbox"
        page.wait_for_timeout(500)  # the dispatch travels intake → bus → routing
        page.get_by_role("button", name="刷新").click()
    row = page.locator("[data-test=inbox] tr", has_text=case_number)
    row.get_by_role("button", name="签收").click()
    row.get_by_text("已签收").wait_for()
    page.screenshot(path=screenshots / "console-inbox.png")
    row.get_by_role("button", name="答复").click()
    page.locator(".el-message-box__input input").fill("已告知申请人经营场所证明可用租赁合同替代")
    page.get_by_role("button", name="确定").click()
    row.wait_for(state="detached")  # answered: it leaves the inbox of open orders
    assert not page.get_by_role("alert").count()
    handler.close()


def test_an_unsafe_request_without_the_csrf_header_is_refused(stack: Stack, browser: Browser) -> None:
    console = stack.url(CONSOLE)
    context = browser.new_context()
    try:
        sign_in(context, console, "clerk.demo", "Window#Desk2026")
        case = {
            "hall": "DEMO",
            "channel": "walk_in",
            "problem_kind": "missing_materials",
            "matter_code": MATTER,
            "description": "营业执照办理受阻",
            "applicant": {"kind": "person", "name": "李四", "phone": "13912345678"},
        }
        refused = context.request.post(f"{console}/api/intake/cases", data=case)
        assert refused.status == 403, refused.text()
        assert "CSRF" in refused.text()
        csrf = {c["name"]: c["value"] for c in context.cookies(console)}["bancheng_csrf"]
        wrong = context.request.post(f"{console}/api/intake/cases", data=case, headers={"x-csrf-token": csrf[::-1]})
        assert wrong.status == 403
        accepted = context.request.post(f"{console}/api/intake/cases", data=case, headers={"x-csrf-token": csrf})
        assert accepted.status == 201, accepted.text()
        assert context.request.get(f"{console}/api/me").json()["hall"] == "DEMO"
    finally:
        context.close()
    # Without a session nothing is forwarded, safe method or not.
    assert httpx.get(f"{console}/api/me").status_code == 401
    assert httpx.get(f"{console}/api/intake/cases/anything").status_code == 401


def test_a_clerk_attaches_a_file_on_the_case_page_and_opens_it(stack: Stack, browser: Browser, tmp_path: Path) -> None:
    console = stack.url(CONSOLE)
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    try:
        page = sign_in(context, console, "clerk.demo", "Window#Desk2026")
        page.wait_for_url(f"{console}/register")
        page.locator("[data-test=matter-code]").fill(MATTER)
        page.locator("[data-test=description]").fill("经营场所证明材料不被认可，附租赁合同")
        page.locator("[data-test=applicant-name]").fill("王五")
        page.locator("[data-test=applicant-phone]").fill("13712345678")
        page.locator("[data-test=submit]").click()
        page.locator("[data-test=case-link]").click()
        panel = page.locator("[data-test=attachments]")
        panel.wait_for()

        contract = tmp_path / "租赁合同.pdf"
        contract.write_bytes(b"%PDF-1.7\n" + os.urandom(1_500_000))  # over the console's own 1 MB body limit
        panel.locator("input[type=file]").set_input_files(contract)
        link = panel.locator("[data-test=attachment-open]", has_text="租赁合同.pdf")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        assert Path(download.value.path()).read_bytes() == contract.read_bytes()
        page.screenshot(path=(REPO_ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else tmp_path)
                        / "console-attachments.png", full_page=True)

        disguised = tmp_path / "photo.jpg"
        disguised.write_bytes(b"\x7fELF\x02\x01\x01\x00" + os.urandom(2000))
        panel.locator("input[type=file]").set_input_files(disguised)
        panel.locator("[data-test=attachment-message]", has_text="file：").wait_for()  # intake's refusal, named
        assert panel.locator("[data-test=attachment-open]").count() == 1
    finally:
        context.close()


def test_signing_out_ends_the_session_here_and_at_the_identity_service(stack: Stack, browser: Browser) -> None:
    console = stack.url(CONSOLE)
    context = browser.new_context()
    try:
        page = sign_in(context, console, "handler.market", "Handle#Market2026")
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("link", name="登录").click()
        page.locator("#password").wait_for()  # the identity service asks again: its login session ended too
        assert context.request.get(f"{console}/api/me").status == 401
    finally:
        context.close()
