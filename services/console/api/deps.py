"""What the console's routes depend on, as typed aliases (its settings as built, the console's parts, the
signed-in person's session), and the cookies and refusals the routes share."""

import secrets
import time
from typing import TYPE_CHECKING, Annotated

import httpx
from fastapi import Depends, Request, Response, status

from shared.auth.keys import KeysUnavailable
from shared.auth.tokens import InvalidToken
from shared.health import RuntimeDep
from shared.problems import ProblemError
from services.console.api.oidc import LoginFailed
from services.console.config import ConsoleSettings
from services.console.store.sessions import Session

if TYPE_CHECKING:  # the composition root imports the routes
    from services.console.app import Console

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "LOGIN_COOKIE", "SESSION_COOKIE", "ConsoleDep", "SessionDep",
           "SettingsDep", "problem", "set_cookie"]

SESSION_COOKIE = "bancheng_session"
LOGIN_COOKIE = "bancheng_login"  # binds the callback to the browser that started the login
CSRF_COOKIE = "bancheng_csrf"  # readable by the page, which echoes it in CSRF_HEADER
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def problem(code: int, zh: str, en: str) -> ProblemError:
    return ProblemError(code, zh=zh, en=en)


async def settings_as_built(runtime: RuntimeDep) -> ConsoleSettings:
    """The settings the runtime was built with (a test builds it with its own)."""
    return runtime.settings


SettingsDep = Annotated[ConsoleSettings, Depends(settings_as_built)]


async def console_of(runtime: RuntimeDep) -> "Console":
    """The console's parts: the session store, the OIDC client, the token verifier, the HTTP client."""
    return runtime.console


ConsoleDep = Annotated["Console", Depends(console_of)]


def set_cookie(response: Response, request: Request, settings: ConsoleSettings, name: str, value: str, *,
               http_only: bool, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=http_only, samesite="lax",
                        secure=settings.secure_cookies or request.url.scheme == "https")


async def current_session(request: Request, console: ConsoleDep) -> Session:
    """The signed-in person's session: 401 without one, 403 on an unsafe method without the CSRF header."""
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise problem(status.HTTP_401_UNAUTHORIZED, "未登录或会话已过期", "not signed in, or the session expired")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise problem(status.HTTP_403_FORBIDDEN, "缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）",
                          "missing or wrong CSRF token (header X-CSRF-Token)")
    if session.access_expires_at - time.monotonic() < 30 and session.refresh_token:
        await _refresh(request, console, session)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


async def _refresh(request: Request, console: "Console", session: Session) -> None:
    try:
        tokens = await console.oidc.refresh(session.refresh_token)
        principal = await console.verifier.verify(tokens["access_token"])
    except (LoginFailed, InvalidToken) as refused:
        console.sessions.close(request.cookies.get(SESSION_COOKIE))
        raise problem(status.HTTP_401_UNAUTHORIZED, "会话已过期，请重新登录",
                      "the session expired: sign in again") from refused
    except (httpx.HTTPError, KeysUnavailable) as unreachable:
        # The issuer is down: the session stays, the request waits a retry.
        raise problem(status.HTTP_503_SERVICE_UNAVAILABLE, "身份认证服务不可用",
                      "the identity provider is unreachable") from unreachable
    session.principal = principal
    session.access_token = tokens["access_token"]
    session.access_expires_at = tokens["expires_at"]
    session.refresh_token = tokens.get("refresh_token", session.refresh_token)
