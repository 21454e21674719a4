"""Who a login step may go on with: no I/O, the account and login session rows read as data."""

from datetime import datetime, timedelta

from shared.auth.principal import Principal
from services.identity.domain.roles import needs_second_factor
from services.identity.domain.sessions import Lockout
from services.identity.store.tables import Account, Client, LoginSession

PENDING_STEP = timedelta(minutes=5)  # how long a passed password waits for the next step


def needs_totp(account: Account) -> bool:
    return needs_second_factor(account.role) or account.totp_secret_sealed is not None


def refusal_before_checking(account: Account, lockout: Lockout, now: datetime) -> str | None:
    """Refused whatever the password or code: a disabled or locked-out account."""
    if account.disabled:
        return "disabled"
    if lockout.locked(locked_until=account.locked_until, now=now):
        return "locked"
    return None


def pending(login: LoginSession, now: datetime) -> bool:
    """The password passed a short while ago; a step (password change, TOTP) is awaited."""
    return not login.authenticated and now < login.started_at + PENDING_STEP


def person(account: Account) -> Principal:
    """The account as the services see it in its tokens (its actor in events: `person:<sub>`)."""
    return Principal(subject=account.id, name=account.display_name, kind="person", roles=frozenset({account.role}),
                     district=account.district, hall=account.hall, department=account.department)


def system(client: Client) -> Principal:
    """A client-credentials client as the services see it (its actor in events)."""
    return Principal(subject=client.client_id, name=client.name, kind="system",
                     roles=frozenset({client.role} if client.role else ()),
                     district=client.district, department=client.department)
