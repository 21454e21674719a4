"""The oversight side of the console in a real browser: statistics with the three rates drawn by ECharts, the case
library and the assessment export, read by the demo district's auditor after a clerk registered a case; the
district admin (password and TOTP) adds a clerk, hands over the temporary password, and disables the account;
a clerk works from the queues and finds a case by the applicant's phone; a supervisor assigns a case no routing
rule takes."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from shared.dev.stack import CONSOLE, SERVICES, Stack
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import screenshots_dir, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The registration the clerk's form sends (tests/e2e/test_console.py fills the same fields by hand).
CASE = {"hall": "DEMO", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": "business_licence",
        "description": "个体户办执照，经营场所证明材料不被认可",
        "applicant": {"kind": "person", "name": "李四", "phone": "13912345678"}}
REGISTER = """async (body) => {
  const csrf = decodeURIComponent(document.cookie.split("; ").find((c) => c.startsWith("bancheng_csrf=")).slice(14));
  const answer = await fetch("/api/intake/cases", {method: "POST", body: JSON.stringify(body),
    headers: {"content-type": "application/json", "x-csrf-token": csrf}});
  return [answer.status, await answer.json()];
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(var_dir=tmp_path_factory.mktemp("console-reports")).start([*SERVICES, CONSOLE])
    try:
        yield stack
    finally:
        stack.stop()


def test_the_auditor_reads_the_rates_by_department_the_library_and_exports_the_assessment(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    status, case = page.evaluate(REGISTER, CASE)
    assert status == 201, case
    clerk.close()

    auditor = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(auditor, console, "auditor.demo", "Review#Ledger2026")
    page.get_by_role("link", name="统计分析").click()
    page.get_by_role("heading", name="统计分析").wait_for()
    table = page.locator("[data-test=statistics-table]")
    deadline = time.monotonic() + 60
    while not table.locator("tr", has_text="市场监督管理局").count():  # audit reads the case off the bus
        assert time.monotonic() < deadline, "the market department never appeared in the statistics"
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="刷新").click()
    row = table.locator("tr", has_text="市场监督管理局")
    assert row.locator("td").nth(1).inner_text().strip() != "0"  # received
    assert page.locator(".chart canvas").count() == 2  # the monthly trend and the rates by department, drawn
    assert page.get_by_text("三率月度走势").is_visible()
    page.locator("[data-test=statistics] .el-loading-mask").wait_for(state="detached")
    page.screenshot(path=screenshots / "console-statistics.png", full_page=True)
    assert_accessible(page, "statistics")

    export = page.request.get(f"{console}/api/audit/assessment?format=xlsx")
    assert export.status == 200 and export.headers["content-type"] == XLSX
    assert export.body()[:2] == b"PK"  # a zip, as every XLSX is

    page.get_by_role("link", name="案例库").click()
    page.get_by_role("heading", name="案例库").wait_for()
    page.get_by_text("暂无案例").wait_for()  # nothing archived as exemplary yet
    assert_accessible(page, "library")
    auditor.close()


def sign_in_as_district_admin(chromium: Browser, console: str) -> tuple[BrowserContext, Page]:
    admin = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(admin, console, "districtadmin.demo")  # privileged: with the second factor
    page.wait_for_url(f"{console}/accounts")  # an administrator's first screen
    return admin, page


def test_the_district_admin_adds_a_clerk_hands_over_the_temporary_password_and_disables_the_account(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    admin, page = sign_in_as_district_admin(browser, console)
    table = page.locator("[data-test=account-table]")
    table.get_by_text("clerk.demo").wait_for()

    page.locator("[data-test=add-account]").click()
    page.locator("[data-test=account-username]").fill("clerk.e2e")
    page.locator("[data-test=account-name]").fill("测试窗口")
    page.locator("[data-test=account-hall]").click()
    page.get_by_role("option", name="演示区便民服务站").click()
    page.locator("[data-test=account-save]").click()
    password = page.locator("[data-test=temporary-password]").inner_text(timeout=20_000)
    assert len(password) >= 12
    page.screenshot(path=screenshots / "console-accounts.png")
    assert_accessible(page, "accounts, the temporary password shown")
    page.get_by_role("button", name="已交给本人").click()
    row = table.locator("tr", has_text="clerk.e2e")
    row.get_by_text("待改密码").wait_for()
    row.get_by_role("button", name="停用").click()
    row.get_by_text("已停用").wait_for()
    assert_accessible(page, "accounts")
    admin.close()


def test_the_clerk_finds_a_case_in_the_acceptance_queue_and_by_the_applicant_s_phone(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    waiting = {**CASE, "forward": False, "description": "来信反映：企业开办材料被退回三次",
               "applicant": {"kind": "person", "name": "周五", "phone": "13712345678"}}
    status, case = page.evaluate(REGISTER, waiting)
    assert status == 201 and case["state"] == "registered", case

    page.get_by_role("link", name="工作队列").click()
    table = page.locator("[data-test=queue-table]")
    row = table.locator("tr", has_text=case["case_number"])
    row.wait_for()  # 待受理 is the first queue
    assert "137****5678" in row.inner_text() and "13712345678" not in row.inner_text()  # masked
    assert "材料不清或不齐" in row.inner_text()  # the kind by its name in the district pack
    page.screenshot(path=screenshots / "console-queues.png")
    assert_accessible(page, "queues")

    page.get_by_role("tab", name="重办").click()
    table.get_by_text("队列为空").wait_for()
    page.locator("[data-test=case-search]").fill("13712345678")
    page.get_by_role("button", name="查找").click()
    page.locator("[data-test=search-result]").get_by_text("电话").wait_for()  # recognised as a phone
    table.locator("tr", has_text=case["case_number"]).wait_for()
    table.locator("[data-test=queue-case]", has_text=case["case_number"]).click()
    page.wait_for_url(f"{console}/cases/{case['id']}")
    clerk.close()


def test_the_district_admin_sees_a_refused_pack_s_problems_by_field_then_publishes_a_new_version(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    screenshots = screenshots_dir(tmp_path)
    admin, page = sign_in_as_district_admin(browser, console)
    # 2027's holidays are not published yet (shared/working_days): the console says so to whoever keeps deadlines.
    assert "2027" in page.locator("[data-test=calendar-banner]").inner_text()
    page.get_by_role("link", name="配置包").click()
    page.locator("[data-test=pack-version]").wait_for()
    version = int("".join(ch for ch in page.locator("[data-test=pack-version]").inner_text() if ch.isdigit()))
    pack = json.loads(page.locator("[data-test=pack-text]").input_value())

    broken = {**pack, "matters": [{**pack["matters"][0], "lead_department": "nowhere"}, *pack["matters"][1:]]}
    page.locator("[data-test=pack-text]").fill(json.dumps(broken, ensure_ascii=False))
    page.locator("[data-test=pack-publish]").click()
    problems = page.locator("[data-test=pack-problems]")
    problems.get_by_text("lead_department").first.wait_for()
    assert "nowhere" in problems.inner_text()
    page.screenshot(path=screenshots / "console-district-pack.png")
    assert_accessible(page, "district pack, refused")

    renamed = {**pack, "name_en": f"{pack['name_en']} (renamed)"}
    page.locator("[data-test=pack-text]").fill(json.dumps(renamed, ensure_ascii=False))
    page.locator("[data-test=pack-change]").fill("英文名称调整")
    page.locator("[data-test=pack-publish]").click()
    page.locator("[data-test=pack-published]").wait_for()
    page.locator("[data-test=pack-version]", has_text=str(version + 1)).wait_for()
    page.locator("[data-test=pack-history]").get_by_text("英文名称调整").wait_for()
    admin.close()


def test_the_supervisor_assigns_a_case_no_rule_takes_and_it_leaves_the_triage_queue(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    console = stack.url(CONSOLE)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(clerk, console, "clerk.demo", "Window#Desk2026")
    rude = {**CASE, "problem_kind": "service_attitude", "matter_code": None, "forward": True,
            "description": "窗口人员态度生硬，材料问题没有一次说清",
            "applicant": {"kind": "person", "name": "吴六", "phone": "13612345678"}}
    status, case = page.evaluate(REGISTER, rude)
    assert status == 201, case
    clerk.close()

    supervisor = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = sign_in(supervisor, console, "supervisor.demo")  # with the second factor
    page.get_by_role("link", name="分派").click()
    card = page.locator(f"[data-test=triage-{case['case_number']}]")
    deadline = time.monotonic() + 60
    # The queue as read once the screen has loaded it (its cards or its empty state): routing puts the case there
    # off the bus.
    page.locator(f"[data-test=triage-{case['case_number']}], [data-test=triage] .el-empty").first.wait_for()
    while not card.count():
        assert time.monotonic() < deadline, "the case never reached the triage queue"
        page.wait_for_timeout(1000)
        page.reload()
        page.locator(f"[data-test=triage-{case['case_number']}], [data-test=triage] .el-empty").first.wait_for()
    assert "窗口人员态度生硬" in card.inner_text()
    assert_accessible(page, "triage")
    card.locator("[data-test=lead]").click()
    page.get_by_role("option", name="市场监督管理局").first.click()
    page.screenshot(path=screenshots_dir(tmp_path) / "console-triage.png")
    card.locator("[data-test=assign]").click()
    page.get_by_text(f"{case['case_number']} 已分派给 市场监督管理局").wait_for()
    card.wait_for(state="detached")
    supervisor.close()
