"""The console's routes: the login (code + PKCE at the issuer), the session's user, and `/api/<service>/...`
forwarded to the service with the signed-in person's bearer token. The browser never sees a token."""

import logging
import secrets
import time
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse

from shared.auth.http import PUBLIC
from shared.auth.keys import KeysUnavailable
from shared.auth.tokens import InvalidToken
from shared.problems import ProblemError
from services.console.config import ConsoleSettings
from services.console.oidc import LoginFailed
from services.console.sessions import Session

log = logging.getLogger(__name__)
router = APIRouter(tags=["console"])

SESSION_COOKIE = "bancheng_session"
LOGIN_COOKIE = "bancheng_login"  # binds the callback to the browser that started the login
CSRF_COOKIE = "bancheng_csrf"  # readable by the page, which echoes it in CSRF_HEADER
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# What is passed on to a service, and back: never the browser's cookies, never the service's auth headers.
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "idempotency-key")
FORWARDED_RESPONSE_HEADERS = ("content-type", "content-disposition", "location", "retry-after")


def _problem(code: int, zh: str, en: str) -> ProblemError:
    return ProblemError(code, zh=zh, en=en)


def settings_of(request: Request) -> ConsoleSettings:
    return request.app.state.runtime.settings


def _cookie(response: Response, request: Request, name: str, value: str, *, http_only: bool,
            max_age: int | None = None) -> None:
    settings = settings_of(request)
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=http_only, samesite="lax",
                        secure=settings.secure_cookies or request.url.scheme == "https")


async def current_session(request: Request) -> Session:
    """The signed-in person's session: 401 without one, 403 on an unsafe method without the CSRF header."""
    console = request.app.state.runtime.console
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise _problem(status.HTTP_401_UNAUTHORIZED, "未登录或会话已过期", "not signed in, or the session expired")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise _problem(status.HTTP_403_FORBIDDEN, "缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）",
                           "missing or wrong CSRF token (header X-CSRF-Token)")
    if session.access_expires_at - time.monotonic() < 30 and session.refresh_token:
        await _refresh(request, session)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


async def _refresh(request: Request, session: Session) -> None:
    console = request.app.state.runtime.console
    try:
        tokens = await console.oidc.refresh(session.refresh_token)
        principal = await console.verifier.verify(tokens["access_token"])
    except (LoginFailed, InvalidToken):
        console.sessions.close(request.cookies.get(SESSION_COOKIE))
        raise _problem(status.HTTP_401_UNAUTHORIZED, "会话已过期，请重新登录", "the session expired: sign in again")
    except (httpx.HTTPError, KeysUnavailable):  # the issuer is down: the session stays, the request waits a retry
        raise _problem(status.HTTP_503_SERVICE_UNAVAILABLE, "身份认证服务不可用", "the identity provider is unreachable")
    session.principal = principal
    session.access_token = tokens["access_token"]
    session.access_expires_at = tokens["expires_at"]
    session.refresh_token = tokens.get("refresh_token", session.refresh_token)


@router.get("/auth/login", openapi_extra=PUBLIC)
async def login(request: Request) -> Response:
    """Start the sign-in (登录): off to the issuer's login page with a fresh state, nonce and PKCE challenge."""
    console = request.app.state.runtime.console
    state, pending = console.sessions.begin_login()
    target = await console.oidc.authorization_url(state=state, nonce=pending.nonce, verifier=pending.verifier)
    response = RedirectResponse(target, status_code=status.HTTP_302_FOUND)
    _cookie(response, request, LOGIN_COOKIE, state, http_only=True, max_age=settings_of(request).login_timeout_s)
    return response


@router.get("/auth/callback", openapi_extra=PUBLIC)
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    """The issuer sends the browser back here with a code: exchanged server-side, a session opened."""
    console = request.app.state.runtime.console
    if error:
        raise _problem(status.HTTP_400_BAD_REQUEST, f"登录未完成：{error}", f"sign-in not completed: {error}")
    if not state or not code:
        raise _problem(status.HTTP_400_BAD_REQUEST, "回调缺少 state 或 code", "the callback lacks state or code")
    if not secrets.compare_digest(request.cookies.get(LOGIN_COOKIE, "").encode(), state.encode()):
        raise _problem(status.HTTP_400_BAD_REQUEST, "登录不是由本浏览器发起的", "this browser did not start that sign-in")
    pending = console.sessions.finish_login(state)
    if pending is None:
        raise _problem(status.HTTP_400_BAD_REQUEST, "登录已过期或已完成，请重新登录",
                       "the sign-in expired or was completed already: sign in again")
    try:
        tokens = await console.oidc.exchange_code(code, pending.verifier)
        principal = await console.verifier.verify(tokens["access_token"])
    except (LoginFailed, InvalidToken) as refused:
        log.warning("sign-in refused: %s", refused)
        raise _problem(status.HTTP_400_BAD_REQUEST, "身份认证服务拒绝了登录", "the identity provider refused the sign-in")
    except (httpx.HTTPError, KeysUnavailable):
        raise _problem(status.HTTP_503_SERVICE_UNAVAILABLE, "身份认证服务不可用", "the identity provider is unreachable")
    session = Session(principal=principal, access_token=tokens["access_token"], access_expires_at=tokens["expires_at"],
                      refresh_token=tokens.get("refresh_token"), id_token=tokens.get("id_token"))
    session_id = console.sessions.open(session)
    response = RedirectResponse("/", status_code=status.HTTP_302_FOUND)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    _cookie(response, request, SESSION_COOKIE, session_id, http_only=True)
    _cookie(response, request, CSRF_COOKIE, session.csrf_token, http_only=False)
    return response


@router.post("/auth/logout", openapi_extra=PUBLIC)
async def logout(request: Request, session: SessionDep) -> Response:
    """End the session here and the login session at the issuer (退出登录): the next sign-in asks for the
    password again."""
    console = request.app.state.runtime.console
    console.sessions.close(request.cookies.get(SESSION_COOKIE))
    if session.refresh_token:
        await console.oidc.end_session(session.refresh_token)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/api/me", openapi_extra=PUBLIC)
async def me(session: SessionDep) -> dict[str, Any]:
    """Who is signed in: name, roles and org unit (district, hall, department). No token."""
    principal = session.principal
    return {"name": principal.name, "subject": principal.subject, "roles": sorted(principal.roles),
            "district": principal.district, "hall": principal.hall, "department": principal.department}


@router.api_route("/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  openapi_extra=PUBLIC)
async def forward(service: str, path: str, request: Request, session: SessionDep) -> Response:
    """`/api/<service>/<path>` → the service's `/<path>` with the person's bearer token; the service decides."""
    console = request.app.state.runtime.console
    base = settings_of(request).backend_url(service)
    if base is None:
        raise _problem(status.HTTP_404_NOT_FOUND, f"没有服务 {service}", f"no service {service}")
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    headers["authorization"] = f"Bearer {session.access_token}"
    try:
        answer = await console.http.request(request.method, f"{base}/{path}", params=request.query_params,
                                            content=await request.body(), headers=headers)
    except httpx.HTTPError:
        raise _problem(status.HTTP_502_BAD_GATEWAY, f"服务 {service} 不可用", f"the {service} service is unreachable")
    kept = {name: answer.headers[name] for name in FORWARDED_RESPONSE_HEADERS if name in answer.headers}
    return Response(answer.content, status_code=answer.status_code, headers=kept)
