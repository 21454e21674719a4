"""`python -m shared.dev.login USERNAME`: sign a demo user in at the development identity service and print an
access token for curl (`curl -H "authorization: Bearer $(…)"`); people log in at the console (docs/console.md).

It walks the real authorization-code flow with PKCE, as a browser and the console would: the login form,
the password, the TOTP code where the role needs one (computed from the user's demo secret), then the code
exchanged at `/token` as the `console` client. Demo users' passwords and TOTP secrets come from
services/identity/data/demo.yaml; anyone else's are given with --password and --totp-secret.
"""

import argparse
import base64
import hashlib
import os
import re
import secrets
import sys
from html import unescape

import httpx
import pyotp
import yaml

from shared.settings import REPO_ROOT

DEMO_USERS = REPO_ROOT / "services" / "identity" / "data" / "demo.yaml"
REDIRECT_URI = "http://127.0.0.1:8106/auth/callback"


class LoginRefused(RuntimeError):
    """The provider said no (or something unexpected): one line for the person at the terminal."""


def sign_in(issuer: str, username: str, password: str, totp_secret: str | None, *, client_id: str,
            client_secret: str) -> str:
    """The access token of `username`, through /authorize (code + PKCE S256) and /token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(8)
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI, "scope": "openid profile",
              "state": state, "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
              "code_challenge_method": "S256"}
    with httpx.Client(base_url=issuer, timeout=20) as browser:
        page = browser.get("/authorize", params=params)
        page = browser.post("/authorize", data={"username": username, "password": password,
                                                "authorize_query": _authorize_query(page)})
        if page.status_code == 200 and "/authorize/totp" in page.text:
            if not totp_secret:
                raise LoginRefused(f"{username} needs a TOTP code: give --totp-secret")
            page = browser.post("/authorize/totp", data={"code": pyotp.TOTP(totp_secret).now(),
                                                         "authorize_query": _authorize_query(page)})
        if page.status_code != 302:
            raise LoginRefused(f"login refused for {username}: {_page_error(page)}")
        location = httpx.URL(page.headers["location"])
        if location.params.get("state") != state or "code" not in location.params:
            raise LoginRefused(f"unexpected redirect {location}")
        tokens = browser.post("/token", auth=(client_id, client_secret), data={
            "grant_type": "authorization_code", "code": location.params["code"], "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier})
    if tokens.status_code != 200:
        raise LoginRefused(f"token exchange refused ({tokens.status_code}): {tokens.text[:200]}")
    access_token: str = tokens.json()["access_token"]
    return access_token


def console_session(console: str, username: str, password: str, totp_secret: str | None = None) -> httpx.Cookies:
    """Sign `username` in at the console as a browser does (its /auth/login, the identity service's form, the
    callback): the console's cookies (session and CSRF), for scripts and tests that speak to it over HTTP."""
    with httpx.Client(timeout=20) as browser:
        page = browser.get(f"{console}/auth/login", follow_redirects=True)  # the identity service's form
        page = browser.post(page.url.join("/authorize"), data={"username": username, "password": password,
                                            "authorize_query": _authorize_query(page)})
        if page.status_code == 200 and "/authorize/totp" in page.text:
            if not totp_secret:
                raise LoginRefused(f"{username} needs a TOTP code")
            page = browser.post(page.url.join("/authorize/totp"), data={
                "code": pyotp.TOTP(totp_secret).now(), "authorize_query": _authorize_query(page)})
        if page.status_code != 302:
            raise LoginRefused(f"login refused for {username}: {_page_error(page)}")
        back = browser.get(page.headers["location"])  # the console's callback sets its cookies
        if back.status_code != 302 or "bancheng_session" not in browser.cookies:
            raise LoginRefused(f"the console refused the callback ({back.status_code}): {back.text[:200]}")
        return httpx.Cookies({name: value for name, value in browser.cookies.items() if name.startswith("bancheng_")})


def _authorize_query(page: httpx.Response) -> str:
    found = re.search(r'name="authorize_query" value="([^"]*)"', page.text)
    if found is None:
        raise LoginRefused(f"no login form at {page.url} ({page.status_code}): {_page_error(page)}")
    return unescape(found.group(1))


def _page_error(page: httpx.Response) -> str:
    message = re.search(r'class="error"[^>]*>([^<]+)<', page.text)
    return unescape(message.group(1)).strip() if message else f"HTTP {page.status_code}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.dev.login", description=__doc__.split("\n\n")[0])
    parser.add_argument("username")
    parser.add_argument("--password", help="default: the demo user's")
    parser.add_argument("--totp-secret", help="default: the demo user's, where the role needs one")
    parser.add_argument("--issuer", default=os.environ.get("BANCHENG_AUTH_ISSUER", "http://127.0.0.1:8100"))
    parser.add_argument("--client-secret", default=os.environ.get("BANCHENG_IDENTITY_CONSOLE_CLIENT_SECRET",
                                                                  "console-dev-secret-change-me"))
    args = parser.parse_args(argv)
    demo = {user["username"]: user for user in yaml.safe_load(DEMO_USERS.read_text(encoding="utf-8"))["users"]}
    user = demo.get(args.username, {})
    password = args.password or user.get("password")
    if password is None:
        sys.exit(f"error: {args.username} is not a demo user: give --password")
    try:
        print(sign_in(args.issuer, args.username, password, args.totp_secret or user.get("totp_secret"),
                      client_id="console", client_secret=args.client_secret))
    except (LoginRefused, httpx.HTTPError) as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
