"""The accounts API's bodies and answers (账号管理)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.api_models import UtcDateTime
from shared.clock import stored_utc
from services.identity.store.tables import Account


class AccountPublic(BaseModel):
    """An account as its district's administrator sees it: never a password hash or a TOTP secret."""

    id: str
    username: str
    display_name: str
    role: str
    district: str
    hall: str | None
    department: str | None
    disabled: bool
    locked: bool = Field(description="Locked out after wrong passwords or codes, until `locked_until`")
    locked_until: UtcDateTime | None
    must_change_password: bool
    second_factor: bool = Field(description="A TOTP secret is set")
    created_at: UtcDateTime


class AccountNew(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=3, max_length=64, examples=["clerk.wang"])
    display_name: str = Field(min_length=1, max_length=64, examples=["王窗口"])
    role: str = Field(examples=["window_clerk"])
    hall: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)


class AccountChange(BaseModel):
    """Only the fields given change; a hall or department is kept only where the role needs one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str | None = Field(default=None, min_length=1, max_length=64)
    role: str | None = None
    hall: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)
    disabled: bool | None = None


class AccountIssued(BaseModel):
    """What the administrator hands to the person, shown this once: a temporary password (changed at the first
    login) and, for a role with a second factor, the TOTP secret for the authenticator app."""

    account: AccountPublic
    temporary_password: str | None = None
    totp_secret: str | None = None


def account_public(account: Account, *, now: datetime) -> AccountPublic:
    locked_until = stored_utc(account.locked_until) if account.locked_until else None
    return AccountPublic(
        id=account.id, username=account.username, display_name=account.display_name, role=account.role,
        district=account.district, hall=account.hall, department=account.department, disabled=account.disabled,
        locked=locked_until is not None and locked_until > now, locked_until=locked_until,
        must_change_password=account.must_change_password, second_factor=account.totp_secret_sealed is not None,
        created_at=stored_utc(account.created_at))
