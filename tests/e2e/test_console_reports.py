"""The supervisor's side of the console in a real browser: statistics with the three rates drawn by ECharts,
the case library and the assessment export, read by the demo district's auditor after a clerk registered a case."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from shared.dev.stack import CONSOLE, SERVICES, Stack
from shared.settings import REPO_ROOT
from tests.e2e.test_console import browser, sign_in  # noqa: F401 - `browser` is a fixture used by name

UPDATE_SCREENSHOTS = os.environ.get("BANCHENG_SCREENSHOTS") == "1"
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
    stack: Stack, browser: Browser, tmp_path: Path  # noqa: F811 - the imported fixture
) -> None:
    console = stack.url(CONSOLE)
    screenshots = REPO_ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else tmp_path
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

    export = page.request.get(f"{console}/api/audit/assessment?format=xlsx")
    assert export.status == 200 and export.headers["content-type"] == XLSX
    assert export.body()[:2] == b"PK"  # a zip, as every XLSX is

    page.get_by_role("link", name="案例库").click()
    page.get_by_role("heading", name="案例库").wait_for()
    page.get_by_text("暂无案例").wait_for()  # nothing archived as exemplary yet
    auditor.close()
