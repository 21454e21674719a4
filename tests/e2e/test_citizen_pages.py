"""The citizens' pages in a phone-sized browser (Debian's chromium through Playwright), no sign-in: a citizen
reports a problem to the demo district, gets the SMS code at the test's SMS gateway, and keeps the case number;
staff accept, dispatch and reply through the services' APIs; the citizen follows the case, reads the reply and
rates it, and follows it again by an SMS code. The self-service terminal mode goes back to the start, empty and
in Chinese, when left idle."""

import json
import re
import shutil
import sqlite3
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, Request

from shared.dev.stack import CONSOLE, SERVICES, Stack
from shared.districts import PACKS_DIR
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import screenshots_dir
from tests.issuer import TokenIssuer
from tests.unit.notify.conftest import HttpReceiver

PHONE = "13812345678"
PHONE_VIEWPORT = {"width": 390, "height": 844}
CODE_IN_SMS = re.compile(r"验证码为(\d{6})")
RESEND_AFTER_S = 5
REPLY = "经核实，经营场所证明可用租赁合同替代，请携带合同原件到窗口办理。"


@pytest.fixture(scope="module")
def sms() -> Iterator[HttpReceiver]:
    """The SMS gateway notify sends to (its generic JSON protocol: any 2xx is a success)."""
    receiver = HttpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


def packs_with_codes_by_sms(root: Path) -> Path:
    """The shipped packs, but the demo district's verification codes go by SMS (its own rule: the file sink)."""
    shutil.copytree(PACKS_DIR, root)
    notify = root / "demo" / "notify.yaml"
    data = yaml.safe_load(notify.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule["event"] == "case.verification_code_requested":
            for recipient in rule["notify"]:
                recipient["channels"] = ["sms"]
    notify.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer, sms: HttpReceiver) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("citizen")
    gateway = var_dir / "sms_gateway.yaml"
    gateway.write_text(yaml.safe_dump({"url": sms.url("/sms/send"),
                                       "body": {"mobile": "{phone}", "content": "{text}", "out_id": "{delivery_id}"}}))
    extra_env = {
        "BANCHENG_DISTRICTS_DIR": str(packs_with_codes_by_sms(var_dir / "packs")),
        "BANCHENG_NOTIFY_SMS_GATEWAY": str(gateway),
        "BANCHENG_NOTIFY_DISPATCH_POLL_S": "0.1",
        # A lighter proof of work than the default 18 bits: the same worker, less of a shared machine's time.
        "BANCHENG_INTAKE_CHALLENGE_DIFFICULTY_BITS": "12",
        # A second code to the same phone (following the case by SMS) without a minute's wait.
        "BANCHENG_INTAKE_CODE_RESEND_AFTER_S": str(RESEND_AFTER_S),
    }
    stack = Stack(var_dir=var_dir, issuer=issuer.url, extra_env=extra_env).start([*SERVICES, CONSOLE])
    try:
        yield stack
    finally:
        stack.stop()


def phone_context(browser: Browser, blocked: list[str]) -> BrowserContext:
    """A phone: small screen, touch; any CSP violation the pages cause is kept in `blocked`."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    context.on("console", lambda message: blocked.append(message.text)
               if "Content Security Policy" in message.text else None)
    return context


def eventually(probe: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := probe()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return found


def tiny_png() -> bytes:
    """A real 1×1 PNG: what intake's sniffer recognises as one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0\xff\0\0")  # one row: no filter, one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def code_texted_to(sms: HttpReceiver, phone: str, after: int) -> str | None:
    """The code in the latest SMS to `phone` among the gateway's requests from index `after` on."""
    for received in reversed(sms.requests[after:]):
        body = json.loads(received.body)
        if body.get("mobile") == phone and (found := CODE_IN_SMS.search(body.get("content", ""))):
            return found.group(1)
    return None


def case_id_of(stack: Stack, case_number: str) -> str:
    """Staff find a web report by its number (the console's case search is another slice): intake's table."""
    with sqlite3.connect(stack.var_dir / "intake.db") as db:
        return db.execute('SELECT id FROM "case" WHERE case_number = ?', (case_number,)).fetchone()[0]


def staff_reply(stack: Stack, issuer: TokenIssuer, case_number: str) -> None:
    """The window clerk accepts and dispatches the web report (a supervisor picks the lead department where
    routing was unsure); the lead department signs for its work order and replies; routing composes the case's
    reply, which intake records (the case is then `replied`)."""
    intake, routing = stack.url("intake"), stack.url("routing")
    case_id = case_id_of(stack, case_number)
    clerk = issuer.headers("window_clerk", hall="DEMO")
    for action in ({"action": "accept"}, {"action": "dispatch"}):
        done = httpx.post(f"{intake}/cases/{case_id}/actions", json=action, headers=clerk)
        assert done.status_code == 200, done.text
    supervisor = issuer.headers("supervisor")

    def routed() -> dict | None:
        answer = httpx.get(f"{routing}/cases/{case_id}/routing", headers=supervisor)
        return answer.json() if answer.status_code == 200 else None

    # A web report names no matter: routing is rarely sure, and a supervisor picks the lead from triage (研判).
    if eventually(routed, "routing never heard of the case")["state"] == "manual_triage":
        assigned = httpx.post(f"{routing}/triage/{case_id}/assign", json={"lead": "market"}, headers=supervisor)
        assert assigned.status_code == 202, assigned.text
    orders = eventually(lambda: httpx.get(f"{routing}/cases/{case_id}/work-orders", headers=supervisor).json()["items"],
                        "the work order never reached routing")
    order = next(o for o in orders if o["role"] == "lead")
    handler = issuer.headers("dept_handler", department=order["department"])
    assert httpx.post(f"{routing}/work-orders/{order['id']}/sign-for", headers=handler).status_code == 200
    replied = httpx.post(f"{routing}/work-orders/{order['id']}/reply", json={"reply": REPLY}, headers=handler)
    assert replied.status_code == 200, replied.text
    composed = httpx.post(f"{routing}/cases/{case_id}/reply", json={"reply": REPLY}, headers=handler)
    assert composed.status_code == 200, composed.text  # the lead's reply for the whole case
    eventually(lambda: httpx.get(f"{intake}/cases/{case_id}", headers=clerk).json()["state"] == "replied",
               "intake never recorded the reply")


def test_a_citizen_reports_on_a_phone_follows_the_case_as_staff_reply_and_rates_the_reply(
    stack: Stack, browser: Browser, sms: HttpReceiver, issuer: TokenIssuer, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    blocked: list[str] = []
    context = phone_context(browser, blocked)
    sent: list[Request] = []
    context.on("request", lambda request: sent.append(request))
    page = context.new_page()

    page.goto(f"{console}/m")
    page.locator("[data-test=district-demo]").click()
    page.wait_for_url(f"{console}/m/report/demo")
    assert not page.locator(".bar").count()  # the citizens' frame, not the staff header
    page.locator("[data-test=kind-missing_materials]").click()
    page.locator("[data-test=hall]").click()
    page.locator(".el-select-dropdown__item", has_text="演示区便民服务站").click()
    page.get_by_label("情况描述").fill("办营业执照时，经营场所证明材料不被认可，跑了三次没办成")

    # A file of the wrong type or too large is refused on the page, before any upload.
    page.locator("[data-test=files]").set_input_files([
        {"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" + b"\0" * 64},
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"\0" * (11 * 1024 * 1024)},
    ])
    notes = page.locator("[data-test=file-note]")
    notes.nth(1).wait_for()
    assert "setup.exe 不是可上传的照片、PDF 或 Word 文档" in notes.nth(0).inner_text()
    assert "scan.pdf 超过 10 MB" in notes.nth(1).inner_text()
    assert not [r for r in sent if "/public-api/attachments" in r.url]
    # A photo is uploaded at once; a file that only claims to be one is refused by intake, its reason shown.
    page.locator("[data-test=files]").set_input_files([
        {"name": "证明.png", "mimeType": "image/png", "buffer": tiny_png()},
        {"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"<html><script>alert(1)</script></html>"},
    ])
    uploads = page.locator("[data-test=uploads] li")
    uploads.filter(has_text="证明.png").and_(page.locator("[data-state=uploaded]")).wait_for(timeout=20_000)
    refused = uploads.filter(has_text="fake.jpg").and_(page.locator("[data-state=failed]"))
    refused.wait_for(timeout=20_000)
    assert "不接受此类文件" in refused.inner_text()

    page.get_by_label("姓名（可选）").fill("张三")
    page.get_by_label("手机号码", exact=True).fill("1381234")
    page.locator("[data-test=get-code]").click()
    page.get_by_text("请输入 11 位手机号码").wait_for()  # checked on the page, nothing asked of intake
    page.get_by_label("手机号码", exact=True).fill(PHONE)
    before = len(sms.requests)
    page.locator("[data-test=get-code]").click()
    asked_at = time.monotonic()
    page.locator("[data-test=code-sent]").wait_for(timeout=30_000)  # the proof of work solved in the worker
    assert "138****5678" in page.locator("[data-test=code-sent]").inner_text()
    assert "秒后可重发" in page.locator("[data-test=get-code]").inner_text()
    assert page.locator("[data-test=get-code]").is_disabled()
    code = eventually(lambda: code_texted_to(sms, PHONE, before), "no SMS code reached the gateway")
    page.screenshot(path=screenshots / "citizen-report.png", full_page=True)
    assert_accessible(page, "citizen-report")

    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("短信验证码").fill(wrong)
    page.locator("[data-test=submit]").click()
    page.get_by_text("验证码不正确").wait_for()  # the problem's field message, next to the field
    page.locator("[data-test=code]").fill(code)
    page.locator("[data-test=submit]").click()
    card = page.locator("[data-test=tracking-card]")
    case_number = card.locator("[data-test=case-number]").inner_text(timeout=20_000)
    assert re.fullmatch(r"DEMO-\d{8}-\d+", case_number), case_number
    assert "演示区" in card.locator("[data-test=where]").inner_text()
    assert card.locator("[data-test=kind]").inner_text() == "材料不清或不齐"
    page.screenshot(path=screenshots / "citizen-reported.png", full_page=True)
    assert_accessible(page, "citizen-reported")

    clerk = issuer.headers("window_clerk", hall="DEMO")
    case_id = case_id_of(stack, case_number)
    attached = httpx.get(f"{stack.url('intake')}/cases/{case_id}/attachments", headers=clerk).json()["items"]
    assert [(a["content_type"], a["size_bytes"]) for a in attached] == [("image/png", len(tiny_png()))]

    staff_reply(stack, issuer, case_number)

    card.locator("[data-test=follow-now]").click()
    page.wait_for_url(re.compile(r".*/m/follow\?case="))
    assert page.locator("[data-test=case-number-input]").input_value() == case_number
    page.get_by_role("textbox", name="手机号后四位").fill("0000")
    page.locator("[data-test=query]").click()
    page.get_by_text("案件编号或手机号后四位不正确").wait_for()
    page.locator("[data-test=last4]").fill(PHONE[-4:])
    page.locator("[data-test=query]").click()
    status = page.locator("[data-test=status]")
    assert status.locator("[data-test=state]").inner_text(timeout=20_000) == "已答复"
    assert REPLY in status.locator("[data-test=replies]").inner_text()
    promised = status.locator("[data-test=promised]").inner_text()  # sla's deadline for the case, a local day
    assert re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", promised), promised
    page.locator("[data-test=rate-basically_satisfied]").click()
    page.locator("[data-test=comment]").fill("答复清楚，希望窗口一次告知")
    page.screenshot(path=screenshots / "citizen-follow.png", full_page=True)
    assert_accessible(page, "citizen-follow")
    page.locator("[data-test=send-rating]").click()
    page.locator("[data-test=rated]").wait_for()

    rated = httpx.get(f"{stack.url('intake')}/cases/{case_id}", headers=clerk).json()
    assert rated["state"] == "callback_recorded"

    # Following by an SMS code sent to the case's own phone: the rating is done, none is offered again.
    page.goto(f"{console}/m/follow?case={case_number}")
    page.locator("[data-test=by-sms]").click()
    page.locator("[data-test=follow-phone]").fill(PHONE)
    before = len(sms.requests)
    time.sleep(max(0.0, asked_at + RESEND_AFTER_S + 0.5 - time.monotonic()))  # intake's wait between two codes
    page.locator("[data-test=follow-get-code]").click()
    code = eventually(lambda: code_texted_to(sms, PHONE, before), "no SMS code to follow the case")
    page.locator("[data-test=follow-code]").fill(code)
    page.locator("[data-test=query]").click()
    assert status.locator("[data-test=state]").inner_text(timeout=20_000) == "已回访"
    assert not page.locator("[data-test=rating]").count()
    assert not blocked, blocked  # the worker and the pages run under the CSP (default-src 'self')
    context.close()


def test_the_terminal_goes_back_to_an_empty_start_when_left_idle(stack: Stack, browser: Browser, tmp_path: Path
                                                                   ) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    blocked: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1080, "height": 1920}, has_touch=True)
    context.on("console", lambda message: blocked.append(message.text)
               if "Content Security Policy" in message.text else None)
    page: Page = context.new_page()
    page.goto(f"{console}/kiosk?idle=4")
    page.wait_for_url(f"{console}/m")
    assert page.locator(".citizen.kiosk").count() == 1
    district = page.locator("[data-test=district-demo]")
    assert district.bounding_box()["height"] >= 64  # large touch targets
    page.screenshot(path=screenshots / "citizen-kiosk.png")
    assert_accessible(page, "citizen-kiosk")
    page.locator("[data-test=language]").click()
    page.get_by_role("heading", name="Choose the district to report to").wait_for()
    district.click()
    page.locator("[data-test=description]").fill("老人办社保卡，不会用手机，自助机上看不懂")
    page.locator("[data-test=phone]").fill(PHONE)
    assert page.locator("[data-test=phone]").get_attribute("autocomplete") == "off"  # not offered to the next
    page.locator("[data-test=idle-warning]").wait_for(timeout=10_000)  # said before it happens
    page.wait_for_url(f"{console}/m", timeout=10_000)
    page.locator("[data-test=districts]").wait_for()
    text = page.locator("body").inner_text()
    assert "社保卡" not in text and PHONE not in text
    page.get_by_role("heading", name="请选择要反映问题的区").wait_for()  # the next person starts in Chinese
    page.go_back()  # the reset replaced the report page in the history: the back button finds nothing either
    page.locator("[data-test=districts]").wait_for()
    assert "社保卡" not in page.locator("body").inner_text()
    assert page.locator(".citizen.kiosk").count() == 1  # still a terminal after the reset
    assert not blocked, blocked
    context.close()
