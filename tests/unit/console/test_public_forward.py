"""The citizens' way through the console (/public-api/...), run in-process against a recording intake: no
token and no cookie either way, only GET and POST under intake's /public, the citizen's address in
X-Forwarded-For, bodies bounded (an upload streamed past the console's request guard); and the citizens' pages
(/m/...) are served to anyone."""

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from shared import problems
from shared.request_guard import RequestGuard
from services.console import api
from services.console.api.oidc import OidcClient
from services.console.app import Console, build_runtime
from services.console.config import ConsoleSettings
from services.console.store.live import LiveHub
from services.console.store.sessions import SessionStore

INTAKE_SEEN: list[httpx.Request] = []


def intake(request: httpx.Request) -> httpx.Response:
    """Intake on its default address: answers what it was sent, and tries to set a cookie."""
    INTAKE_SEEN.append(request)
    return httpx.Response(201, json={"path": request.url.path, "query": str(request.url.query, "ascii")},
                          headers={"set-cookie": "backend=1", "retry-after": "7", "x-internal": "yes"})


@pytest.fixture
def app(tmp_path) -> FastAPI:
    INTAKE_SEEN.clear()
    settings = ConsoleSettings(web_dist=tmp_path / "dist", database_url="sqlite+aiosqlite:///:memory:",
                               public_max_upload_bytes=2000, public_max_json_bytes=100)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<html>console</html>")
    http = httpx.AsyncClient(transport=httpx.MockTransport(intake))
    console = Console(sessions=SessionStore(idle_timeout_s=60, absolute_timeout_s=600, login_timeout_s=60),
                      oidc=OidcClient(settings, "http://issuer.test", http), verifier=None, http=http,  # type: ignore[arg-type]  # never asked: no one signs in here
                      live=LiveHub(queue_size=8))
    application = FastAPI()
    problems.install(application)
    application.state.runtime = SimpleNamespace(settings=settings, console=console)
    application.include_router(api.router)
    return application


def citizen(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8106",
                             cookies={"bancheng_session": "someone-elses", "bancheng_csrf": "x"})


async def test_a_public_call_reaches_intakes_public_prefix_without_credentials_either_way(app: FastAPI) -> None:
    async with citizen(app) as phone:
        answer = await phone.post("/public-api/challenges?lang=zh", json={},
                                  headers={"authorization": "Bearer stolen", "accept-language": "zh-CN"})
        assert answer.status_code == 201
        assert answer.json() == {"path": "/public/challenges", "query": "lang=zh"}
        assert "set-cookie" not in answer.headers and "x-internal" not in answer.headers
        assert answer.headers["retry-after"] == "7"  # a rate limit's wait reaches the page
        assert (await phone.get("/public-api/districts/demo")).json()["path"] == "/public/districts/demo"
    seen = INTAKE_SEEN[0]
    assert "authorization" not in seen.headers and "cookie" not in seen.headers
    assert seen.headers["accept-language"] == "zh-CN"
    assert seen.url.host == "127.0.0.1" and seen.url.port == 8101  # intake's address from the settings


async def test_intake_is_told_the_citizens_address_and_not_one_the_citizen_made_up(app: FastAPI) -> None:
    async with citizen(app, "198.51.100.23") as phone:
        await phone.post("/public-api/follow", json={}, headers={"x-forwarded-for": "10.9.9.9"})
    assert INTAKE_SEEN[0].headers["x-forwarded-for"] == "198.51.100.23"


async def test_only_get_and_post_under_the_public_prefix_are_forwarded(app: FastAPI) -> None:
    async with citizen(app) as phone:
        for method in ("PUT", "PATCH", "DELETE"):
            assert (await phone.request(method, "/public-api/reports")).status_code == 405
        for path in ("/public-api/..%2F..%2Fcases", "/public-api/%2e%2e/x", "/public-api/a//b",
                     "/public-api/cases/DEMO-1%3Fx=1/rating"):
            assert (await phone.get(path)).status_code == 404, path
    assert not INTAKE_SEEN


async def test_a_body_past_its_limit_is_refused_before_it_is_forwarded(app: FastAPI) -> None:
    async with citizen(app) as phone:
        too_long = await phone.post("/public-api/reports", json={"description": "x" * 200})
        assert too_long.status_code == 413 and "KB" in too_long.json()["en"]
        upload = await phone.post("/public-api/attachments", files={"file": ("a.jpg", b"\xff" * 1500, "image/jpeg")})
        assert upload.status_code == 201  # an attachment has the larger limit
        huge = await phone.post("/public-api/attachments", files={"file": ("a.jpg", b"\xff" * 3000, "image/jpeg")})
        assert huge.status_code == 413

        async def streamed():  # no Content-Length: counted as it arrives
            for _ in range(3):
                yield b"{" + b" " * 60 + b"}"

        chunked = await phone.post("/public-api/reports", content=streamed(),
                                   headers={"content-type": "application/json"})
        assert chunked.status_code == 413

        async def photo(size: int):  # an upload without Content-Length: stopped as it streams through
            for _ in range(size // 500):
                yield b"\xff" * 500

        multipart = {"content-type": "multipart/form-data; boundary=x"}
        streamed_upload = await phone.post("/public-api/attachments", content=photo(3000), headers=multipart)
        assert streamed_upload.status_code == 413
        small_upload = await phone.post("/public-api/attachments", content=photo(1500), headers=multipart)
        assert small_upload.status_code == 201
    assert [request.url.path for request in INTAKE_SEEN] == ["/public/attachments"] * 2
    assert INTAKE_SEEN[1].content == b"\xff" * 1500  # streamed through whole


async def test_the_citizens_pages_are_served_to_anyone_with_the_pages_csp(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8106") as anyone:
        for path in ("/m", "/m/follow", "/kiosk"):
            page = await anyone.get(path)
            assert page.status_code == 200 and page.text == "<html>console</html>", path
            assert "default-src 'self'" in page.headers["content-security-policy"]
        assert (await anyone.get("/public-api/")).status_code == 404  # neither a page nor forwarded


async def test_an_unreachable_intake_is_a_502_problem(app: FastAPI) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app.state.runtime.console.http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    async with citizen(app) as phone:
        answer = await phone.get("/public-api/districts")
    assert answer.status_code == 502 and answer.json()["zh"] == "服务暂不可用，请稍后再试"


async def test_the_consoles_request_guard_passes_a_citizens_upload_on_unread_and_no_other_big_body(tmp_path) -> None:
    runtime = build_runtime(ConsoleSettings(web_dist=tmp_path, database_url="sqlite+aiosqlite:///:memory:"))
    reached: list[str] = []

    async def route(scope, receive, send) -> None:  # stands for the console's routes behind the guard
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = RequestGuard(route, max_body_bytes=runtime.settings.max_body_bytes,
                         streamed_uploads=runtime.streamed_uploads)
    photo = {"file": ("photo.jpg", b"\xff" * (2 * 1024 * 1024), "image/jpeg")}  # past the guard's 1 MiB
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://console") as phone:
        assert (await phone.post("/public-api/attachments", files=photo)).status_code == 204
        assert (await phone.post("/public-api/reports", files=photo)).status_code == 413
    await runtime.console.http.aclose()
    assert reached == ["/public-api/attachments"]
