"""The staff console in a real browser (Debian's chromium through Playwright): a window clerk signs in at the
identity service, registers a case with the hall's kinds and matters and prints its tracking card; the market
department's handler finds its work order in the inbox with its deadline badge, signs for it and replies; the
clerk records the reply and the callback, looks back and archives. The session is CSRF-safe and the browser
never holds a token."""

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, expect

from shared.dev.stack import CONSOLE, SERVICES, Stack
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import screenshots_dir, sign_in

# A JWT (header.payload.signature, base64url JSON): what an access, refresh or ID token of the issuer looks like.
JWT = re.compile(rb"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}")
# Enterprise registration: led by the market department (shared/districts/packs/demo/catalogue.yaml).
MATTER = "business_licence"
# The browser test's matter: led by market alone, so its one work order answers the case.
MATTER_NAME = "食品经营许可"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Identity (seeded with the demo users), the five services and the console."""
    stack = Stack(var_dir=tmp_path_factory.mktemp("console")).start([*SERVICES, CONSOLE])
    try:
        yield stack
    finally:
        stack.stop()


def choose(page: Page, select: str, option: str, *, typed: str = "") -> None:
    """Open an Element Plus select, type to search where given, and click the option."""
    page.locator(f"[data-test={select}]").click()
    if typed:
        page.keyboard.type(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def act(page: Page, action: str, *, reason: str = "", satisfaction: str = "") -> None:
    """On the case page, one of the actions allowed now, through its dialog."""
    page.locator(f"[data-test=action-{action}]").click()
    if satisfaction:
        page.locator("[data-test=satisfaction]").get_by_text(satisfaction, exact=True).click()
    if reason:
        page.locator("[data-test=action-reason]").fill(reason)
    page.locator("[data-test=action-submit]").click()
    page.locator("[data-test=notice]").wait_for()
    for overlay in page.locator(".el-overlay").all():
        expect(overlay).to_be_hidden()  # the dialog has closed


def test_a_clerk_registers_and_prints_the_handler_signs_for_and_replies_the_clerk_calls_back_and_archives(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
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
    assert_accessible(landing, "landing")
    landing.close()

    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    assert "演示窗口人员" in page.locator("[data-test=user]").inner_text()
    page.wait_for_url(f"{console}/register")
    expect(page.locator("[data-test=hall]")).to_have_value("演示区便民服务站（DEMO）")  # the clerk's hall, by name
    page.keyboard.press("?")  # the cheat sheet lists the shortcuts in force here
    expect(page.locator(".el-dialog", has_text="快捷键")).to_contain_text("提交登记")
    page.keyboard.press("Escape")
    page.locator("[data-test=large-text]").click()  # large text, kept in this browser across a reload
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    page.locator("[data-test=large-text]").click()
    expect(page.locator("html")).not_to_have_class(re.compile("large-text"))
    # The hall's problem kinds and matters come from the demo district's pack; the matter is found by a keyword.
    page.locator("[data-test=problem-kind]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="特事特办/快办").wait_for()
    page.locator(".el-select-dropdown__item:visible", has_text="材料不清或不齐").click()
    choose(page, "matter", MATTER_NAME, typed="餐饮")
    page.locator("[data-test=description]").fill("开奶茶店办食品经营许可，场地证明材料不被认可")
    page.locator("[data-test=applicant-name]").fill("张三")
    id_number = page.locator("[data-test=id-number]")
    id_number.fill("110105194912310021")
    page.get_by_text("校验位错误，请核对").wait_for()  # GB 11643's check character, as typed
    id_number.fill("11010519491231002X")
    page.get_by_text("校验位错误，请核对").wait_for(state="detached")
    phone = page.locator("[data-test=applicant-phone]")
    phone.fill("1381234")
    page.get_by_text("请输入 11 位手机号码或带区号的固定电话").wait_for()  # checked as typed
    assert page.locator("[data-test=submit]").is_disabled()
    phone.fill("+86 138 1234 5678")
    assert page.locator("[data-test=phone-normalised]").inner_text() == "13812345678"
    expect(page.locator("[data-test=submit]")).to_be_enabled()
    expect(page.locator(".el-form-item.is-error")).to_have_count(0)  # nothing left marked wrong
    phone.blur()
    page.wait_for_timeout(400)  # the field's border fades from the error's red: let the screenshot show it settled
    assert_accessible(page, "registration")
    page.screenshot(path=screenshots / "console-register.png", full_page=True)
    page.locator("[data-test=submit]").click()
    case_number = page.locator("[data-test=registered] [data-test=case-number]").inner_text(timeout=20_000)
    assert re.fullmatch(r"DEMO-\d{8}-\d+", case_number), case_number

    # The tracking card opens printable in a window of its own, with the QR code to the citizen's status page.
    with clerk.expect_page() as opened:
        page.locator("[data-test=print-card]").click()
    card = opened.value
    card.locator(".qr svg").wait_for()
    assert case_number in card.content() and "size: A4" in card.content()
    assert card.locator(".qr").get_attribute("data-url").endswith(f"/m/follow?case={case_number}")
    card.screenshot(path=screenshots / "console-tracking-card.png", full_page=True)
    card.close()

    page.locator("[data-test=case-link]").click()
    page.locator("h2 [data-test=case-number]").wait_for()
    case_url = page.url
    assert page.locator("h2 [data-test=case-number]").inner_text() == case_number
    applicant = page.locator("[data-test=applicant]").inner_text()
    assert "13812345678" not in applicant and "张三" not in applicant  # masked
    first = page.locator("[data-test=timeline] .el-timeline-item").first
    first.wait_for()
    assert first.locator("[data-test=step]").inner_text() == "登记"  # a step name, not the action's code
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", first.inner_text())  # Beijing time, to the minute
    assert page.locator("[data-test=state]").inner_text().strip()  # the state's Chinese label

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

    handler = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(handler, console, "handler.market", "Handle#Market2026")
    page.wait_for_url(f"{console}/inbox")
    deadline = time.monotonic() + 60
    while not page.locator("[data-test=inbox]").get_by_text(case_number).count():
        assert time.monotonic() < deadline, f"{case_number} never reached the market inbox"
        page.wait_for_timeout(500)  # the dispatch travels intake → bus → routing and sla
        page.locator("[data-test=refresh]").click()
    row = page.locator("[data-test=inbox] tr", has_text=case_number)
    badge = row.locator("[data-test=deadline-badge]")
    assert re.fullmatch(r"剩 \d+ 个工作日|今日到期", badge.inner_text()), badge.inner_text()
    assert badge.get_attribute("data-standing") == "on_track"
    expect(row).to_contain_text(MATTER_NAME)  # by name, from routing's catalogue
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row.locator("[data-test=due-at]").inner_text())
    row.locator(".el-checkbox").click()  # sign for the selected ones (one here)
    page.locator("[data-test=sign-selected]").click()
    row.get_by_text("已签收").wait_for()
    assert_accessible(page, "inbox")
    page.screenshot(path=screenshots / "console-inbox.png")
    row.locator("[data-test=reply]").click()
    page.locator(".el-message-box__input textarea").fill("已告知申请人场地证明可用租赁合同替代")
    page.get_by_role("button", name="确定").click()
    row.wait_for(state="detached")  # answered: it leaves the inbox of open orders
    assert not page.locator("[data-test=failure]").count()
    handler.close()

    # The clerk records the reply, calls the applicant back, looks back (回头看) and archives the case.
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    page.goto(case_url)
    page.locator("[data-test=work-orders]").get_by_text("已答复").wait_for(timeout=30_000)
    act(page, "record_reply", reason="场地证明可用租赁合同替代，已办结")
    act(page, "record_callback", satisfaction="满意", reason="申请人表示满意")
    act(page, "review")
    act(page, "archive")
    expect(page.locator("[data-test=state]")).to_have_text("已归档")
    assert not page.locator("[data-test=actions] button[data-test^=action-]").count()  # nothing left to do
    steps = page.locator("[data-test=timeline] [data-test=step]").all_inner_texts()
    assert steps[-4:] == ["登记答复", "登记回访", "回头看", "归档"], steps
    assert "演示窗口人员" in page.locator("[data-test=timeline]").inner_text()  # the clerk's own steps, by name
    assert_accessible(page, "case")
    page.screenshot(path=screenshots / "console-case.png", full_page=True)
    clerk.close()


def test_an_enterprise_with_a_missing_item_batch_items_and_the_green_channel_gets_its_one_time_notice(
    stack: Stack, browser: Browser
) -> None:
    console = stack.url(CONSOLE)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
        page.wait_for_url(f"{console}/register")
        choose(page, "problem-kind", "特事特办/快办")
        expect(page.locator("[data-test=green-channel]")).to_have_class(re.compile("is-checked"))  # the kind is urgent
        choose(page, "matter", "企业设立登记（营业执照）", typed="营业执照")
        page.locator("[data-test=description]").fill("新店开业在即，营业执照因住所证明被退回")
        page.locator("[data-test=applicant-kind]").get_by_text("企业").click()
        page.locator("[data-test=applicant-name]").fill("演示区某某餐饮有限公司")
        credit_code = page.locator("[data-test=credit-code]")
        credit_code.fill("91350100M000100Y44")
        page.get_by_text("校验位错误，请核对").wait_for()  # GB 32100's check character, as typed
        credit_code.fill("91350100M000100Y43")
        page.get_by_text("校验位错误，请核对").wait_for(state="detached")
        page.locator("[data-test=applicant-phone]").fill("0755 8612 3456")
        assert page.locator("[data-test=phone-normalised]").inner_text() == "0755-86123456"
        page.locator("[data-test=add-missing]").click()
        missing = page.locator("[data-test=missing-item]")
        missing.locator("input").first.fill("房屋租赁合同")
        missing.locator(".el-date-editor input").fill("2031-01-10")
        missing.locator(".el-date-editor input").press("Enter")
        page.locator("[data-test=add-item]").click()
        page.locator("[data-test=batch-item] input").fill("食品经营许可")
        page.locator("[data-test=submit]").click()
        case_number = page.locator("[data-test=registered] [data-test=case-number]").inner_text(timeout=20_000)

        with clerk.expect_page() as opened:
            page.locator("[data-test=print-notice]").click()
        notice = opened.value
        notice.locator(".qr svg").wait_for()
        printed = notice.content()
        assert "一次性告知书" in printed and "房屋租赁合同" in printed and "2031-01-10" in printed
        notice.close()

        page.locator("[data-test=case-link]").click()
        expect(page.locator("h2 [data-test=case-number]")).to_have_text(case_number)
        expect(page.locator("[data-test=state]")).to_have_text("登记转发")  # accepted with the item, then forwarded
        expect(page.locator("[data-test=missing-items]")).to_contain_text("房屋租赁合同")
        expect(page.locator("[data-test=missing-items]")).to_contain_text("2031-01-10")
        expect(page.locator("h2")).to_contain_text("绿色通道")
        assert "86123456" not in page.locator("[data-test=applicant]").inner_text()  # masked
        page.locator("[data-test=reveal]").click()
        page.locator("[data-test=reveal-reason]").fill("回访前核实联系电话")
        page.locator("[data-test=reveal-submit]").click()
        expect(page.locator("[data-test=applicant]")).to_contain_text("0755-86123456")  # revealed, with a reason
    finally:
        clerk.close()


def test_the_department_returns_one_order_with_a_reason_and_asks_more_time_for_another_which_a_supervisor_grants(
    stack: Stack, browser: Browser
) -> None:
    console = stack.url(CONSOLE)
    clerk = browser.new_context()
    sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    csrf = {c["name"]: c["value"] for c in clerk.cookies(console)}["bancheng_csrf"]
    numbers = []
    for text in ("奶茶店食品经营许可被要求补交不存在的证明", "餐馆食品经营许可现场核查一直没人来"):
        created = clerk.request.post(f"{console}/api/intake/cases", headers={"x-csrf-token": csrf}, data={
            "hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials",
            "matter_code": "food_business_licence", "description": text,
            "applicant": {"kind": "person", "name": "李四", "phone": "13912345678"}})
        assert created.status == 201, created.text()
        numbers.append(created.json()["case_number"])
    clerk.close()

    handler = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = sign_in(handler, console, "handler.market", "Handle#Market2026")
        deadline = time.monotonic() + 60
        while not all(page.locator("[data-test=inbox]").get_by_text(n).count() for n in numbers):
            assert time.monotonic() < deadline, f"{numbers} never all reached the market inbox"
            page.wait_for_timeout(500)
            page.keyboard.press("r")  # the inbox's refresh shortcut
        returned, extended = (page.locator("[data-test=inbox] tr", has_text=n) for n in numbers)

        returned.locator("[data-test=sign-for]").click()
        returned.get_by_text("已签收").wait_for()
        returned.locator("[data-test=return]").click()
        choose(page, "return-reason", "职能交叉")
        page.locator("[data-test=return-submit]").click()
        # Returned: the signed-for order leaves the inbox (routing may dispatch the case again, as a new order).
        expect(page.locator("[data-test=inbox] tr", has_text=numbers[0]).get_by_text("已签收")).to_have_count(0)

        extended.locator("[data-test=sign-for]").click()
        extended.get_by_text("已签收").wait_for()
        extended.locator("[data-test=extension]").click()
        date = page.locator(".el-dialog .el-date-editor input")
        date.fill("2027-01-29")
        date.press("Enter")
        page.locator("[data-test=extension-basis]").fill("《食品经营许可管理办法》第二十二条")
        page.locator("[data-test=extension-reason]").fill("需组织现场核查，现场核查需另行预约")
        page.locator("[data-test=extension-submit]").click()
        extended.get_by_text("延期申请中").wait_for()
        assert not page.locator("[data-test=failure]").count()
    finally:
        handler.close()

    supervisor = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = sign_in(supervisor, console, "supervisor.demo")
        page.get_by_role("link", name="分派").click()
        page.get_by_role("tab", name="延期审批").click()
        row = page.locator("[data-test=extensions] tr", has_text=numbers[1])
        assert "需组织现场核查" in row.inner_text() and "2027-01-29" in row.inner_text()
        assert_accessible(page, "extension approvals")
        row.locator("[data-test=approve]").click()
        page.get_by_text(f"{numbers[1]} 的延期已同意").wait_for()
        row.wait_for(state="detached")
    finally:
        supervisor.close()


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
        choose(page, "matter", "企业设立登记（营业执照）", typed="营业执照")  # the matter is chosen from the pack's
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
        page.screenshot(path=(screenshots_dir(tmp_path))
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


def test_a_department_handler_opening_another_department_s_work_order_by_its_address_is_refused(
    stack: Stack, browser: Browser
) -> None:
    console = stack.url(CONSOLE)
    clerk = browser.new_context()
    sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    csrf = {c["name"]: c["value"] for c in clerk.cookies(console)}["bancheng_csrf"]
    created = clerk.request.post(f"{console}/api/intake/cases", headers={"x-csrf-token": csrf}, data={
        "hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": "lease_filing",
        "description": "租赁备案被退回，说缺少房东身份证明",
        "applicant": {"kind": "person", "name": "郑七", "phone": "13512345678"}})
    assert created.status == 201, created.text()
    case_id = created.json()["id"]
    clerk.close()

    auditor = browser.new_context()
    sign_in(auditor, console, "auditor.demo", "Review#Ledger2026")
    deadline = time.monotonic() + 60
    orders: list[dict] = []
    while not orders:  # led by housing (shared/districts/packs/demo/catalogue.yaml), dispatched off the bus
        assert time.monotonic() < deadline, "no work order for the housing case"
        orders = auditor.request.get(f"{console}/api/routing/cases/{case_id}/work-orders").json()["items"]
        time.sleep(0.5)
    auditor.close()
    housing = next(order for order in orders if order["department"] == "housing")

    handler = browser.new_context(locale="zh-CN")
    try:
        page = sign_in(handler, console, "handler.market", "Handle#Market2026")
        assert handler.request.get(f"{console}/api/routing/work-orders/{housing['id']}").status == 403
        refused = handler.request.post(
            f"{console}/api/routing/work-orders/{housing['id']}/sign-for",
            data={},
            headers={"x-csrf-token": {c["name"]: c["value"] for c in handler.cookies(console)}["bancheng_csrf"]},
        )
        assert refused.status == 403
        page.goto(f"{console}/cases/{case_id}")  # the case page by its address: nothing of it is shown
        page.get_by_text("无法读取案件").wait_for()
        assert "租赁备案被退回" not in page.content()
    finally:
        handler.close()
