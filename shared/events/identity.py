"""Identity events: who logged in, failed, was locked out or logged out, and which system got a token.
Producer: identity (the embedded OIDC provider). Consumer: audit (every login is in the tamper-evident log).

Keyed by the subject, `user:<username>` or `client:<client id>`, not a case id: audit's timeline of that
key is the account's history. They carry the username, never a password, a TOTP code or a token.
"""

from typing import Literal

from pydantic import Field

from shared.events.base import Event

LoginFailure = Literal["unknown_user", "bad_password", "bad_totp", "locked", "disabled"]


class LoginSucceeded(Event):
    """A person passed every factor their role needs; a login session (会话) starts."""

    type = "identity.login_succeeded"

    username: str
    role: str
    client_id: str = Field(description="The client the login was for, e.g. console")
    session_id: str = Field(description="The login session's id (not its cookie)")
    factors: list[str] = Field(description="password, and totp where it was needed", examples=[["password", "totp"]])


class LoginFailed(Event):
    """A login attempt was refused; `consecutive_failures` counts toward the lockout."""

    type = "identity.login_failed"

    username: str = Field(description="As typed; may name no account")
    reason: LoginFailure
    client_id: str
    consecutive_failures: int = Field(ge=0)


class AccountLocked(Event):
    """Too many consecutive failures: the account refuses every login until `locked_until`."""

    type = "identity.account_locked"

    username: str
    locked_until: str = Field(description="ISO 8601, UTC")
    consecutive_failures: int


class LoggedOut(Event):
    """A login session ended (logout): its refresh tokens are revoked."""

    type = "identity.logged_out"

    username: str
    session_id: str
    revoked_refresh_tokens: int


class SystemTokenIssued(Event):
    """A system (the 12345 platform, a department's own system) got an access token by client credentials."""

    type = "identity.system_token_issued"

    client_id: str
    roles: list[str]
    department: str | None = None
    token_id: str = Field(description="The token's jti")
    expires_in: int = Field(description="Seconds")


class AccountAdded(Event):
    """A district's administrator added a person's account (the actor of the envelope is the administrator)."""

    type = "identity.account_added"

    username: str
    role: str
    hall: str | None = None
    department: str | None = None


class AccountChanged(Event):
    """An administrator changed an account: its name, role, org unit, or disabled/enabled it."""

    type = "identity.account_changed"

    username: str
    changed: list[str] = Field(description="The fields changed", examples=[["role", "department"]])
    role: str
    hall: str | None = None
    department: str | None = None
    disabled: bool


class AccountReset(Event):
    """An administrator gave an account a temporary password (changed at the next login) and lifted its lock."""

    type = "identity.account_reset"

    username: str
    new_totp: bool = Field(description="A new second-factor secret was issued too")
