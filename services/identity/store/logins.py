"""Logging a person in: password, then TOTP where the role needs it; lockout; login sessions; their events.

Every outcome is an event on `bancheng.identity.events` (staged in the caller's transaction, so a refusal
is recorded as surely as a success). No event carries a password, a code or a token. The decisions are
domain/logins.py's; this module reads and writes the rows they are made on.
"""

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consuming import Unit
from shared.events.identity import AccountLocked, LoggedOut, LoginFailed, LoginSucceeded
from services.identity.config import IdentitySettings
from services.identity.domain import passwords
from services.identity.domain.logins import person, refusal_before_checking
from services.identity.domain.problems import FieldProblem
from services.identity.store.events import emit
from services.identity.store.sealing import sealer_for
from services.identity.store.tables import Account, LoginSession, RefreshToken, digest

TOTP_PURPOSE = "totp-secret"


@dataclass
class Outcome:
    account: Account | None = None
    refusal: str | None = None  # what the person is told (api/pages.py MESSAGES); None: this step passed


async def check_password(
    unit: Unit, settings: IdentitySettings, *, username: str, password: str, client_id: str, now: datetime
) -> Outcome:
    account = (await unit.session.exec(select(Account).where(Account.username == username))).first()
    if account is None:
        await asyncio.to_thread(passwords.verify_password, passwords.DUMMY_HASH, password)  # same time as a miss
        await emit(unit, LoginFailed(username=username, reason="unknown_user", client_id=client_id,
                                     consecutive_failures=0),
                   subject=f"user:{username}", district=settings.district)
        return Outcome(refusal="unknown_user")
    refusal = refusal_before_checking(account, settings.lockout, now)
    if refusal is None and not await asyncio.to_thread(passwords.verify_password, account.password_hash, password):
        refusal = "bad_password"
    if refusal:
        return await fail(unit, settings, account, reason=refusal, client_id=client_id, now=now)
    return Outcome(account)


async def check_totp(
    unit: Unit, settings: IdentitySettings, *, account: Account, code: str, client_id: str, now: datetime
) -> Outcome:
    refusal = refusal_before_checking(account, settings.lockout, now)
    if refusal is None:
        secret = totp_secret(settings, account)
        if secret is None or not pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1):
            refusal = "bad_totp"
    if refusal:
        return await fail(unit, settings, account, reason=refusal, client_id=client_id, now=now)
    return Outcome(account)


async def fail(unit: Unit, settings: IdentitySettings, account: Account, *, reason: str, client_id: str,
               now: datetime) -> Outcome:
    """A failure counts toward the lockout (one already locked out stays locked, its clock unchanged); the
    failure that locks the account is told so."""
    subject, actor = f"user:{account.username}", person(account)
    if reason in ("bad_password", "bad_totp"):
        account.failed_logins += 1
        locked_until = settings.lockout.after_failure(failures=account.failed_logins, now=now)
        if locked_until:
            account.locked_until = locked_until
            await emit(unit, AccountLocked(username=account.username, locked_until=locked_until.isoformat(),
                                           consecutive_failures=account.failed_logins),
                       subject=subject, district=account.district, actor=actor)
        unit.session.add(account)
    await emit(unit, LoginFailed(username=account.username, reason=reason, client_id=client_id,
                                 consecutive_failures=account.failed_logins),
               subject=subject, district=account.district, actor=actor)
    locked = settings.lockout.locked(locked_until=account.locked_until, now=now)
    return Outcome(account, "locked" if locked and reason != "disabled" else reason)


def totp_secret(settings: IdentitySettings, account: Account) -> str | None:
    if account.totp_secret_sealed is None:
        return None
    return sealer_for(settings.signing_secret).open(account.totp_secret_sealed, purpose=TOTP_PURPOSE).decode()


def seal_totp_secret(settings: IdentitySettings, secret: str) -> str:
    return sealer_for(settings.signing_secret).seal(secret.encode(), purpose=TOTP_PURPOSE)


def new_session(unit: Unit, account: Account, *, client_id: str, now: datetime) -> tuple[LoginSession, str]:
    """A login session awaiting its last factor; returns it and the cookie value (stored only as a digest)."""
    cookie = secrets.token_urlsafe(32)
    session = LoginSession(cookie_digest=digest(cookie), account_id=account.id, client_id=client_id,
                           factors=["password"], started_at=now, last_seen_at=now)
    unit.session.add(session)
    return session, cookie


async def complete_login(unit: Unit, account: Account, session: LoginSession, *, factors: list[str],
                         now: datetime) -> None:
    """Every factor passed: the session is authenticated, the failure count resets."""
    account.failed_logins, account.locked_until = 0, None
    session.authenticated, session.factors, session.started_at, session.last_seen_at = True, factors, now, now
    unit.session.add_all([account, session])
    await emit(unit, LoginSucceeded(username=account.username, role=account.role, client_id=session.client_id,
                                    session_id=session.id, factors=factors),
               subject=f"user:{account.username}", district=account.district, actor=person(account))


async def session_of_cookie(session: AsyncSession, cookie: str | None) -> LoginSession | None:
    if not cookie:
        return None
    statement = select(LoginSession).where(LoginSession.cookie_digest == digest(cookie),
                                           col(LoginSession.ended_at).is_(None))
    return (await session.exec(statement)).first()


async def change_password(unit: Unit, account: Account, *, new: str, confirm: str) -> list[FieldProblem]:
    """The first-login change: the policy, the repetition, and not the old password again."""
    problems = passwords.policy_problems(new, username=account.username, field="new_password")
    if new != confirm:
        problems.append(FieldProblem("confirm_password", "两次输入的新密码不一致", "the two new passwords differ"))
    if not problems and await asyncio.to_thread(passwords.verify_password, account.password_hash, new):
        problems.append(FieldProblem("new_password", "新密码不能与原密码相同", "must differ from the old password"))
    if not problems:
        account.password_hash = await asyncio.to_thread(passwords.hash_password, new)
        account.must_change_password = False
        unit.session.add(account)
    return problems


async def end_session(unit: Unit, login: LoginSession, *, now: datetime, reason: str = "logout") -> int:
    """End the session and revoke its live refresh tokens; returns how many were revoked."""
    login.ended_at = now
    unit.session.add(login)
    result = await unit.session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.session_id) == login.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    account = await unit.session.get(Account, login.account_id)
    if account is not None and reason == "logout":
        await emit(unit, LoggedOut(username=account.username, session_id=login.id,
                                   revoked_refresh_tokens=result.rowcount or 0),
                   subject=f"user:{account.username}", district=account.district, actor=person(account))
    return result.rowcount or 0
