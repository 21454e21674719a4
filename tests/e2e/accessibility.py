"""WCAG 2.1 AA checks of a console screen with axe-core (the npm package the console's build installs), run in
the page the test has open: a serious or critical violation fails the test, naming the rule and the elements."""

from pathlib import Path

from playwright.sync_api import Page

from shared.settings import REPO_ROOT

AXE = REPO_ROOT / "services" / "console" / "web" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def violations(page: Page, *, axe: Path = AXE) -> list[dict]:
    """axe-core's violations of the page as it is now (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe.read_text())  # evaluated through the debugging protocol: the page's CSP stays as it is
    return page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
                         TAGS)


def assert_accessible(page: Page, screen: str) -> None:
    """No serious or critical violation on `screen` (its name goes in the failure)."""
    found = [v for v in violations(page) if v["impact"] in BLOCKING]
    described = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in found]
    assert not found, f"{screen}: " + "; ".join(described)
