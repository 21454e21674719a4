"""The sign-in (/auth/...): authorization code + PKCE at the issuer, the code exchanged server-side, a
session opened; and the sign-out. The browser never sees a token."""

import logging
import secrets

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse

from shared.auth.http import PUBLIC
from shared.auth.keys import KeysUnavailable
from shared.auth.tokens import InvalidToken
from services.console.api.deps import (
    CSRF_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    ConsoleDep,
    SessionDep,
    SettingsDep,
    problem,
    set_cookie,
)
from services.console.api.oidc import LoginFailed
from services.console.store.sessions import Session

log = logging.getLogger(__name__)
router = APIRouter(tags=["console"])


@router.get("/auth/login", openapi_extra=PUBLIC)
async def login(request: Request, settings: SettingsDep, console: ConsoleDep) -> Response:
    """Start the sign-in (登录): off to the issuer's login page with a fresh state, nonce and PKCE challenge."""
    state, pending = console.sessions.begin_login()
    target = await console.oidc.authorization_url(state=state, nonce=pending.nonce, verifier=pending.verifier)
    response = RedirectResponse(target, status_code=status.HTTP_302_FOUND)
    set_cookie(response, request, settings, LOGIN_COOKIE, state, http_only=True, max_age=settings.login_timeout_s)
    return response


@router.get("/auth/callback", openapi_extra=PUBLIC)
async def callback(request: Request, settings: SettingsDep, console: ConsoleDep, state: str = "", code: str = "",
                   error: str = "") -> Response:
    """The issuer sends the browser back here with a code: exchanged server-side, a session opened."""
    if error:
        raise problem(status.HTTP_400_BAD_REQUEST, f"登录未完成：{error}", f"sign-in not completed: {error}")
    if not state or not code:
        raise problem(status.HTTP_400_BAD_REQUEST, "回调缺少 state 或 code", "the callback lacks state or code")
    if not secrets.compare_digest(request.cookies.get(LOGIN_COOKIE, "").encode(), state.encode()):
        raise problem(status.HTTP_400_BAD_REQUEST, "登录不是由本浏览器发起的",
                      "this browser did not start that sign-in")
    pending = console.sessions.finish_login(state)
    if pending is None:
        raise problem(status.HTTP_400_BAD_REQUEST, "登录已过期或已完成，请重新登录",
                      "the sign-in expired or was completed already: sign in again")
    try:
        tokens = await console.oidc.exchange_code(code, pending.verifier)
        principal = await console.verifier.verify(tokens["access_token"])
    except (LoginFailed, InvalidToken) as refused:
        log.warning("sign-in refused: %s", refused)
        raise problem(status.HTTP_400_BAD_REQUEST, "身份认证服务拒绝了登录",
                      "the identity provider refused the sign-in") from refused
    except (httpx.HTTPError, KeysUnavailable) as unreachable:
        raise problem(status.HTTP_503_SERVICE_UNAVAILABLE, "身份认证服务不可用",
                      "the identity provider is unreachable") from unreachable
    session = Session(principal=principal, access_token=tokens["access_token"], access_expires_at=tokens["expires_at"],
                      refresh_token=tokens.get("refresh_token"), id_token=tokens.get("id_token"))
    session_id = console.sessions.open(session)
    response = RedirectResponse("/", status_code=status.HTTP_302_FOUND)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    set_cookie(response, request, settings, SESSION_COOKIE, session_id, http_only=True)
    set_cookie(response, request, settings, CSRF_COOKIE, session.csrf_token, http_only=False)
    return response


@router.post("/auth/logout", openapi_extra=PUBLIC)
async def logout(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    """End the session here and the login session at the issuer (退出登录): the next sign-in asks for the
    password again."""
    console.sessions.close(request.cookies.get(SESSION_COOKIE))
    if session.refresh_token:
        await console.oidc.end_session(session.refresh_token)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
