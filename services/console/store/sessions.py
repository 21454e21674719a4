"""Signed-in people's tokens, kept in this process's memory and never sent to the browser.

The browser holds only a random session id (an HttpOnly cookie) and a CSRF token it must echo in a header
on every unsafe request (double submit). A restart signs everyone out: one console process per deployment
until sessions move to a shared store (docs/console.md)."""

import secrets
import time
from dataclasses import dataclass, field

from shared.auth.principal import Principal


@dataclass
class Session:
    principal: Principal
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    id_token: str | None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started_at: float = field(default_factory=time.monotonic)
    last_used_at: float = field(default_factory=time.monotonic)


@dataclass
class PendingLogin:
    """A login under way: what the callback needs to finish it (state → PKCE verifier, nonce)."""

    verifier: str
    nonce: str
    started_at: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, *, idle_timeout_s: float, absolute_timeout_s: float, login_timeout_s: float) -> None:
        self._sessions: dict[str, Session] = {}
        self._logins: dict[str, PendingLogin] = {}
        self.idle_timeout_s = idle_timeout_s
        self.absolute_timeout_s = absolute_timeout_s
        self.login_timeout_s = login_timeout_s

    def begin_login(self) -> tuple[str, PendingLogin]:
        self._forget_stale_logins()
        state = secrets.token_urlsafe(24)
        login = PendingLogin(verifier=secrets.token_urlsafe(48), nonce=secrets.token_urlsafe(16))
        self._logins[state] = login
        return state, login

    def finish_login(self, state: str) -> PendingLogin | None:
        """The login `state` names, once: a replayed callback finds nothing."""
        self._forget_stale_logins()
        return self._logins.pop(state, None)

    def open(self, session: Session) -> str:
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = session
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_used_at > self.idle_timeout_s or now - session.started_at > self.absolute_timeout_s:
            del self._sessions[session_id]
            return None
        session.last_used_at = now
        return session

    def is_open(self, session_id: str | None) -> bool:
        """Whether the session is still open, without counting this as a use (a live stream's check)."""
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return False
        now = time.monotonic()
        return now - session.last_used_at <= self.idle_timeout_s and now - session.started_at <= self.absolute_timeout_s

    def close(self, session_id: str | None) -> Session | None:
        return self._sessions.pop(session_id, None) if session_id else None

    def _forget_stale_logins(self) -> None:
        now = time.monotonic()
        for state in [s for s, login in self._logins.items() if now - login.started_at > self.login_timeout_s]:
            del self._logins[state]
