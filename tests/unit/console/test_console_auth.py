"""The console's login and session rules, its routes run in-process against a mocked issuer: the login
carries PKCE S256 and binds the callback to the browser; a state is used once; sessions expire; the page
fallback never serves a file outside dist."""

import base64
import hashlib
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from shared import problems
from shared.auth.principal import Principal
from shared.request_guard import RequestGuard
from services.console import api
from services.console.api.forward import STREAMED_UPLOADS
from services.console.api.oidc import OidcClient
from services.console.app import Console
from services.console.config import ConsoleSettings
from services.console.store.live import LiveHub
from services.console.store.sessions import Session, SessionStore

ISSUER = "http://issuer.test"
DISCOVERY = {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize", "token_endpoint": f"{ISSUER}/token"}
BACKEND_SEEN: list[httpx.Request] = []
FILE = b"%PDF-1.7\n" + bytes(range(256)) * 8000  # ~2 MB: over the console's own body limit


class Verifier:
    async def verify(self, token: str) -> Principal:
        return Principal(subject="u1", name="窗口 李静", kind="person", roles=frozenset({"window_clerk"}),
                         district="demo", hall="DEMO")


def issuer(request: httpx.Request) -> httpx.Response:
    """The issuer and, on intake's default address, a backend that answers what it was sent."""
    if request.url.port == 8101:
        BACKEND_SEEN.append(request)
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=FILE, headers={
                "content-type": "application/pdf", "content-disposition": "attachment; filename*=UTF-8''a.pdf",
                "x-content-type-options": "nosniff"})
        return httpx.Response(201, json={"path": request.url.path}, headers={"set-cookie": "backend=1"})
    if request.url.path == "/.well-known/openid-configuration":
        return httpx.Response(200, json=DISCOVERY)
    if request.url.path == "/token":
        form = parse_qs(request.content.decode())
        if form["grant_type"] == ["refresh_token"]:
            return httpx.Response(200, json={"access_token": "refreshed.access.token", "expires_in": 900,
                                             "refresh_token": "refresh-2"})
        if form["code"] != ["good-code"]:
            return httpx.Response(400, json={"error": "invalid_grant"})
        return httpx.Response(200, json={"access_token": "header.payload.sig", "expires_in": 900,
                                         "refresh_token": "refresh-1"})
    return httpx.Response(404)


@pytest.fixture
def app(tmp_path) -> FastAPI:
    settings = ConsoleSettings(web_dist=tmp_path / "dist", database_url="sqlite+aiosqlite:///:memory:")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<html>console</html>")
    (tmp_path / "secret.txt").write_text("outside dist")
    http = httpx.AsyncClient(transport=httpx.MockTransport(issuer))
    console = Console(sessions=SessionStore(idle_timeout_s=60, absolute_timeout_s=600, login_timeout_s=60),
                      oidc=OidcClient(settings, ISSUER, http), verifier=Verifier(), http=http,  # type: ignore[arg-type]  # a stand-in verifier
                      live=LiveHub(queue_size=8))
    application = FastAPI()
    problems.install(application)  # as the Runtime does
    application.state.runtime = SimpleNamespace(settings=settings, console=console)
    application.include_router(api.router)  # the page fallback last, as in the service
    return application


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8106")


async def test_login_redirects_with_a_pkce_s256_challenge_and_binds_the_state_to_the_browser(app: FastAPI) -> None:
    async with client(app) as browser:
        started = await browser.get("/auth/login")
        assert started.status_code == 302
        target = urlsplit(started.headers["location"])
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/authorize"
        assert query["code_challenge_method"] == "S256" and query["client_id"] == "console"
        assert query["redirect_uri"] == "http://127.0.0.1:8106/auth/callback"
        assert browser.cookies["bancheng_login"] == query["state"]
        pending = app.state.runtime.console.sessions._logins[query["state"]]
        digest = hashlib.sha256(pending.verifier.encode()).digest()
        assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

        done = await browser.get("/auth/callback", params={"state": query["state"], "code": "good-code"})
        assert done.status_code == 302 and done.headers["location"] == "/"
        session_cookie = [h for h in done.headers.get_list("set-cookie") if h.startswith("bancheng_session=")][0]
        assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie and "Secure" not in session_cookie
        me = await browser.get("/api/me")
        assert me.json() == {"name": "窗口 李静", "subject": "u1", "roles": ["window_clerk"], "district": "demo",
                             "hall": "DEMO", "department": None}
        assert "header.payload.sig" not in me.text

        replayed = await browser.get("/auth/callback", params={"state": query["state"], "code": "good-code"})
        assert replayed.status_code == 400  # the state was used once


async def test_a_callback_this_browser_did_not_start_is_refused(app: FastAPI) -> None:
    async with client(app) as attacker, client(app) as victim:
        started = await attacker.get("/auth/login")
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        forced = await victim.get("/auth/callback", params={"state": state, "code": "good-code"})
        assert forced.status_code == 400
        assert forced.json()["en"] == "this browser did not start that sign-in"
        assert "bancheng_session" not in forced.cookies


async def test_a_code_the_issuer_refuses_opens_no_session(app: FastAPI) -> None:
    async with client(app) as browser:
        started = await browser.get("/auth/login")
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        refused = await browser.get("/auth/callback", params={"state": state, "code": "stolen"})
        assert refused.status_code == 400
        assert (await browser.get("/api/me")).status_code == 401


async def signed_in(browser: httpx.AsyncClient) -> None:
    started = await browser.get("/auth/login")
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    assert (await browser.get("/auth/callback", params={"state": state, "code": "good-code"})).status_code == 302


async def test_a_forwarded_request_carries_the_bearer_token_and_the_csrf_header_decides_unsafe_ones(
    app: FastAPI,
) -> None:
    BACKEND_SEEN.clear()
    async with client(app) as browser:
        await signed_in(browser)
        refused = await browser.post("/api/intake/cases", json={"hall": "DEMO"})
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["en"]
        assert not BACKEND_SEEN  # refused before anything was forwarded
        answer = await browser.post("/api/intake/cases?x=1", json={"hall": "DEMO"},
                                    headers={"x-csrf-token": browser.cookies["bancheng_csrf"], "idempotency-key": "k1"})
        assert answer.status_code == 201 and answer.json() == {"path": "/cases"}
        assert "set-cookie" not in answer.headers  # the backend's headers do not reach the browser
    seen = BACKEND_SEEN[0]
    assert seen.headers["authorization"] == "Bearer header.payload.sig"
    assert seen.headers["idempotency-key"] == "k1" and seen.url.params["x"] == "1"
    assert "cookie" not in seen.headers  # the session never leaves the console


async def test_an_upload_is_forwarded_whole_as_multipart_and_a_download_comes_back_as_sent(app: FastAPI) -> None:
    BACKEND_SEEN.clear()
    app.add_middleware(RequestGuard, max_body_bytes=1024 * 1024, streamed_uploads=STREAMED_UPLOADS)  # as app.py
    async with client(app) as browser:
        await signed_in(browser)
        uploaded = await browser.post("/api/intake/cases/c1/attachments", files={"file": ("a.pdf", FILE)},
                                      headers={"x-csrf-token": browser.cookies["bancheng_csrf"]})
        assert uploaded.status_code == 201, uploaded.text
        downloaded = await browser.get("/api/intake/cases/c1/attachments/1/content")
    sent = BACKEND_SEEN[0]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert FILE in sent.content
    assert downloaded.content == FILE
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-disposition"] == "attachment; filename*=UTF-8''a.pdf"


async def test_an_access_token_about_to_expire_is_refreshed_before_it_is_forwarded(app: FastAPI) -> None:
    BACKEND_SEEN.clear()
    async with client(app) as browser:
        await signed_in(browser)
        session = app.state.runtime.console.sessions.get(browser.cookies["bancheng_session"])
        session.access_expires_at = time.monotonic() + 5
        assert (await browser.get("/api/intake/cases/c1")).status_code == 201
    assert BACKEND_SEEN[0].headers["authorization"] == "Bearer refreshed.access.token"
    assert session.refresh_token == "refresh-2"


async def test_pages_forbid_framing_and_foreign_scripts(app: FastAPI) -> None:
    async with client(app) as browser:
        page = await browser.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_session_ends_after_its_idle_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore(idle_timeout_s=10, absolute_timeout_s=100, login_timeout_s=10)
    principal = Principal(subject="u", name="u", kind="person", roles=frozenset())
    session_id = store.open(Session(principal=principal, access_token="t", access_expires_at=0, refresh_token=None,
                                    id_token=None))
    assert store.get(session_id) is not None
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 11)
    assert store.get(session_id) is None


async def test_the_page_fallback_serves_index_never_a_file_outside_dist(app: FastAPI) -> None:
    async with client(app) as browser:
        assert (await browser.get("/cases/abc")).text == "<html>console</html>"
        escaped = await browser.get("/%2e%2e/secret.txt")
        assert "outside dist" not in escaped.text
        for path in ("/api/nothing", "/auth/nothing"):  # never the page: a caller expecting JSON gets a 404
            assert (await browser.get(path)).status_code == 404
        assert (await browser.get("/api/intake/cases")).status_code == 401  # forwarded only with a session
