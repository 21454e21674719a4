"""What the browser tests share: Debian's Chromium (through Playwright, never a downloaded browser), where their
screenshots go, and a person's sign-in at the console through the identity service's pages."""

import os
from pathlib import Path

import pyotp
import yaml
from playwright.sync_api import BrowserContext, Page

from shared.dev.login import DEMO_USERS as DEMO_USERS_FILE
from shared.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `make test` where missing
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
# docs/screenshots is refreshed on request (BANCHENG_SCREENSHOTS=1): an ordinary run leaves the checkout clean.
UPDATE_SCREENSHOTS = os.environ.get("BANCHENG_SCREENSHOTS") == "1"
# The demo district's people, as identity seeds them (password, and the TOTP secret of the privileged roles).
DEMO_USERS = {user["username"]: user for user in yaml.safe_load(DEMO_USERS_FILE.read_text(encoding="utf-8"))["users"]}


def screenshots_dir(tmp_path: Path) -> Path:
    """docs/screenshots when asked to refresh them, else the test's own folder (a person can still look)."""
    return REPO_ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else tmp_path


def sign_in(context: BrowserContext, console: str, username: str, password: str | None = None) -> Page:
    """At the console's landing page, 登录 → the identity service's form (and its one-time code for a privileged
    role) → back at the console, signed in."""
    user = DEMO_USERS.get(username, {})
    page = context.new_page()
    page.goto(console)
    page.get_by_role("link", name="登录").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(password or user["password"])
    page.get_by_role("button", name="登录 Log in").click()
    if user.get("totp_secret"):
        page.locator("#code").fill(pyotp.TOTP(user["totp_secret"]).now())
        page.get_by_role("button", name="验证 Verify").click()
    page.wait_for_url(f"{console}/**")
    page.locator("[data-test=user]").wait_for()
    return page
