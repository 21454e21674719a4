"""The identity service's tables: org units, accounts, clients, signing keys, codes, sessions, refresh tokens.

Secrets are never stored as given: passwords as argon2id hashes, client secrets, codes and tokens as
SHA-256 digests (they are long and random), private keys and TOTP secrets sealed (store/sealing.py).
"""

import hashlib
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.clock import now_utc
from shared.db import no_items
from shared.ids import new_id


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OrgUnit(SQLModel, table=True):
    """District → halls (大厅) and departments (职能部门)."""

    __tablename__ = "org_unit"

    id: str = Field(primary_key=True)  # "<district>:<kind>:<code>"
    district: str = Field(index=True)
    kind: str  # district | hall | department
    code: str
    name: str


class Account(SQLModel, table=True):
    """A person who logs in: one role, scoped by the org unit the role needs."""

    id: str = Field(default_factory=new_id, primary_key=True)
    username: str = Field(unique=True)
    display_name: str
    role: str
    district: str
    hall: str | None = None
    department: str | None = None
    password_hash: str
    totp_secret_sealed: str | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    must_change_password: bool = False
    disabled: bool = False
    created_at: datetime = Field(default_factory=now_utc)


class Client(SQLModel, table=True):
    """An OAuth client: the console (authorization code + PKCE) or a system (client credentials)."""

    __tablename__ = "oauth_client"

    client_id: str = Field(primary_key=True)
    name: str
    secret_digest: str
    grant_types: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    redirect_uris: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    scope: str = ""
    role: str | None = None  # a system's role (client credentials)
    district: str
    department: str | None = None


class SigningKey(SQLModel, table=True):
    """An RS256 key; the newest signs. `retired_at`: when it stopped signing (it stays published a while)."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=now_utc, index=True)
    private_key_sealed: str
    public_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    retired_at: datetime | None = None


class AuthorizationCode(SQLModel, table=True):
    __tablename__ = "authorization_code"

    code_digest: str = Field(primary_key=True)
    client_id: str
    account_id: str
    session_id: str
    redirect_uri: str
    scope: str
    nonce: str | None = None
    code_challenge: str
    code_challenge_method: str
    auth_time: datetime
    expires_at: datetime
    used: bool = False


class LoginSession(SQLModel, table=True):
    """A browser's login at this provider. Not `authenticated` yet: the password passed, TOTP is awaited."""

    __tablename__ = "login_session"

    id: str = Field(default_factory=new_id, primary_key=True)
    cookie_digest: str = Field(unique=True)
    account_id: str = Field(index=True)
    client_id: str
    authenticated: bool = False
    factors: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=now_utc)
    last_seen_at: datetime = Field(default_factory=now_utc)
    ended_at: datetime | None = None


class RefreshToken(SQLModel, table=True):
    """Rotated on every use: the old one is revoked; it lives no longer than its session."""

    __tablename__ = "refresh_token"

    token_digest: str = Field(primary_key=True)
    session_id: str = Field(index=True)
    client_id: str
    account_id: str
    scope: str
    issued_at: datetime = Field(default_factory=now_utc)
    revoked_at: datetime | None = None
    revoked_reason: str | None = None  # rotated | logout | revoked | reused
