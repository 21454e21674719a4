"""The identity service as a real HTTP server (uvicorn, in this process) on the real broker and a real
database, seeded with the demo district; a browser-like client walks its login pages."""

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import httpx
import pyotp
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet

from shared.dev.broker import DevBroker, free_port
from shared.runtime import Runtime
from shared.settings import KafkaSettings
from services.identity.app import build_runtime
from services.identity.config import IdentitySettings
from services.identity.store import directory
from tests.conftest import database_url

SECRET = "identity-integration-test-secret"
CONSOLE_SECRET = "console-secret-for-tests"
HOTLINE_SECRET = "hotline-secret-for-tests"
DEPT_SECRET = "department-secret-for-tests"
REDIRECT_URI = "http://127.0.0.1:8106/auth/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden_query(page: str) -> str:
    return unescape(re.search(r'name="authorize_query" value="([^"]*)"', page).group(1))


@dataclass
class Login:
    """One browser's walk through the authorization endpoint."""

    browser: httpx.AsyncClient
    verifier: str
    params: dict[str, str]
    page: httpx.Response | None = None

    async def open(self) -> httpx.Response:
        self.page = await self.browser.get("/authorize", params=self.params)
        return self.page

    async def password(self, username: str, password: str) -> httpx.Response:
        self.page = await self.browser.post("/authorize", data={
            "username": username, "password": password, "authorize_query": hidden_query(self.page.text)})
        return self.page

    async def totp(self, code: str) -> httpx.Response:
        self.page = await self.browser.post("/authorize/totp", data={
            "code": code, "authorize_query": hidden_query(self.page.text)})
        return self.page

    def code(self) -> str:
        assert self.page.status_code == 302, self.page.text
        location = httpx.URL(self.page.headers["location"])
        assert str(location).startswith(REDIRECT_URI)
        assert location.params["state"] == self.params["state"]
        return location.params["code"]


@dataclass
class Identity:
    url: str
    runtime: Runtime
    settings: IdentitySettings

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=20)

    def login(self, browser: httpx.AsyncClient, **extra: str) -> Login:
        verifier, challenge = pkce_pair()
        params = {"response_type": "code", "client_id": "console", "redirect_uri": REDIRECT_URI,
                  "scope": "openid profile", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
                  "code_challenge": challenge, "code_challenge_method": "S256", **extra}
        return Login(browser, verifier, params)

    async def exchange(self, login: Login, code: str, *, verifier: str | None = None) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        if verifier != "":
            form["code_verifier"] = verifier or login.verifier
        async with self.browser() as client:
            return await client.post("/token", data=form, auth=("console", CONSOLE_SECRET))

    async def sign_in(self, username: str, password: str, totp_secret: str | None = None) -> dict[str, Any]:
        """The whole flow, as the console's server and its user's browser run it; returns the token response."""
        async with self.browser() as browser:
            login = self.login(browser)
            assert (await login.open()).status_code == 200
            await login.password(username, password)
            if totp_secret:
                assert login.page.status_code == 200 and "动态验证码" in login.page.text
                await login.totp(pyotp.TOTP(totp_secret).now())
            response = await self.exchange(login, login.code())
        assert response.status_code == 200, response.text
        return response.json()

    async def token(self, form: dict[str, str], auth: tuple[str, str]) -> httpx.Response:
        async with self.browser() as client:
            return await client.post("/token", data=form, auth=auth)

    async def verify(self, token: str) -> dict[str, Any]:
        """Verify as any service would: discovery, then the JWKS, over HTTP; RS256 only."""
        async with self.browser() as client:
            discovery = (await client.get("/.well-known/openid-configuration")).json()
            keyset = KeySet.import_key_set((await client.get(discovery["jwks_uri"])).json())
        decoded = jwt.decode(token, keyset, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(iss={"essential": True, "value": discovery["issuer"]}, exp={"essential": True}).validate(
            decoded.claims)
        return {"header": decoded.header, **decoded.claims}

    async def add_user(self, username: str, role: str, password: str, **options: Any) -> str | None:
        """Add a person (hall, department, must_change_password...); returns the TOTP secret if any."""
        async with self.runtime.sessions() as session, session.begin():
            _account, secret = await directory.add_user(session, self.settings, username=username,
                                                        display_name=username, role=role, district="demo",
                                                        password=password, **options)
        return secret


async def serve(settings: IdentitySettings, broker: DevBroker) -> tuple[uvicorn.Server, asyncio.Task, Runtime]:
    runtime = build_runtime(settings, KafkaSettings(bootstrap_servers=broker.bootstrap_servers))
    server = uvicorn.Server(uvicorn.Config(runtime.app(), host="127.0.0.1", port=settings.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not (server.started and runtime.startup.done):  # the runtime starts beside the server
        if task.done():
            task.result()
        assert runtime.startup.failure is None, runtime.startup.state
        await asyncio.sleep(0.05)
    return server, task, runtime


def identity_settings(port: int, url: str, **overrides: Any) -> IdentitySettings:
    return IdentitySettings(
        environment="test", port=port, signing_secret=SECRET, log_level="WARNING", database_url=url,
        seed_demo=True, console_client_secret=CONSOLE_SECRET, hotline12345_client_secret=HOTLINE_SECRET,
        dept_client_secret=DEPT_SECRET, console_redirect_uris=[REDIRECT_URI], **overrides,
    )


StartIdentity = Callable[..., Awaitable[Identity]]


@pytest.fixture(scope="module")
async def start_identity(broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StartIdentity]:
    """Starts identity services with the given settings; stops them after the module's tests."""
    running: list[tuple[uvicorn.Server, asyncio.Task]] = []

    async def start(kind: str = "sqlite", **overrides: Any) -> Identity:
        port = free_port()
        url = database_url(kind, "identity", tmp_path_factory.mktemp("identity"))
        settings = identity_settings(port, url, **overrides)
        server, task, runtime = await serve(settings, broker)
        running.append((server, task))
        return Identity(url=f"http://127.0.0.1:{port}", runtime=runtime, settings=settings)

    yield start
    for server, task in running:
        server.should_exit = True
        await task


@pytest.fixture(scope="module")
async def identity(start_identity: StartIdentity) -> Identity:
    """One identity service with the default settings (on SQLite), for a module's tests."""
    return await start_identity()
