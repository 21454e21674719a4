"""`/accounts`: a district's people, for its administrators (账号管理): list, add, change, disable, reset.

The administrator's district bounds everything: another district's account answers as a missing one. Roles
given here are the everyday ones (`directory.GRANTABLE_ROLES`); district admins and the three administrators
(三员) are added by the operator's CLI. Every change is an identity event, so audit's log holds who did it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.api_models import Limit, Offset, Page, page_of
from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.clock import now_utc
from shared.events.identity import AccountAdded, AccountChanged, AccountReset
from shared.problems import invalid_field, not_found
from services.identity.api.deps import RuntimeDep, SettingsDep, trust_own_tokens
from services.identity.api.models import AccountChange, AccountIssued, AccountNew, AccountPublic, account_public
from services.identity.domain.passwords import temporary_password
from services.identity.domain.problems import Refused
from services.identity.store import directory, events
from services.identity.store.tables import Account

router = APIRouter(prefix="/accounts", tags=["accounts"], dependencies=[Depends(trust_own_tokens)])

Reader = Annotated[Principal, Authorize("account.read")]
Changer = Annotated[Principal, Authorize("account.change")]


def _district(principal: Principal) -> str:
    if not principal.district:
        raise invalid_field("district", zh="令牌未载明所属区", en="the token names no district")
    return principal.district


async def _account(session: AsyncSession, account_id: str, *, district: str) -> Account:
    account = await directory.account_in(session, account_id, district=district)
    if account is None:
        raise not_found(zh="该区没有这个账号", en="no such account in this district")
    return account


@router.get("", response_model=Page[AccountPublic])
async def list_accounts(runtime: RuntimeDep, principal: Reader, role: Annotated[str | None, Query()] = None,
                        offset: Offset = 0, limit: Limit = 50) -> Page[AccountPublic]:
    """The accounts of the administrator's district, by username."""
    async with runtime.sessions() as session:
        rows = await directory.accounts_of(session, district=_district(principal), role=role, offset=offset,
                                           limit=limit)
    now = now_utc()
    return page_of([account_public(row, now=now) for row in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)


@router.post("", response_model=AccountIssued, status_code=201)
async def add_account(body: AccountNew, runtime: RuntimeDep, settings: SettingsDep,
                      principal: Changer) -> AccountIssued:
    """A new account in the administrator's district with a temporary password, changed at the first login."""
    district = _district(principal)
    if problems := directory.grantable_problems(body.role):
        raise Refused(problems)
    password = temporary_password()
    async with runtime.unit(principal) as unit:
        account, secret = await directory.add_user(
            unit.session, settings, username=body.username, display_name=body.display_name, role=body.role,
            district=district, hall=body.hall, department=body.department, password=password,
            must_change_password=True)
        await events.emit(unit, AccountAdded(username=account.username, role=account.role, hall=account.hall,
                                             department=account.department),
                          subject=f"user:{account.username}", district=district, actor=principal)
        issued = AccountIssued(account=account_public(account, now=now_utc()), temporary_password=password,
                               totp_secret=secret)
    return issued


@router.patch("/{account_id}", response_model=AccountIssued)
async def change_account(account_id: str, body: AccountChange, runtime: RuntimeDep, settings: SettingsDep,
                         principal: Changer) -> AccountIssued:
    """Change a name, a role, a hall or department, or disable (and enable) an account; a role that now needs a
    second factor gets its TOTP secret in the answer."""
    district = _district(principal)
    async with runtime.unit(principal) as unit:
        account = await _account(unit.session, account_id, district=district)
        if account.id == principal.subject:
            raise invalid_field(
                "account_id", zh="不能修改自己的账号", en="an administrator cannot change their own account"
            )
        changed, secret = await directory.change_user(
            unit.session, settings, account, body.model_dump(exclude_unset=True)
        )
        if changed:
            await events.emit(
                unit,
                AccountChanged(
                    username=account.username,
                    changed=changed,
                    role=account.role,
                    hall=account.hall,
                    department=account.department,
                    disabled=account.disabled,
                ),
                subject=f"user:{account.username}",
                district=district,
                actor=principal,
            )
        issued = AccountIssued(account=account_public(account, now=now_utc()), totp_secret=secret)
    return issued


@router.post("/{account_id}/reset", response_model=AccountIssued)
async def reset_account(
    account_id: str,
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: Changer,
    new_totp: Annotated[bool, Query(description="Issue a new TOTP secret too")] = False,
) -> AccountIssued:
    """A temporary password (changed at the next login), the lockout lifted; with `new_totp`, a new second factor
    for a lost phone."""
    district = _district(principal)
    password = temporary_password()
    async with runtime.unit(principal) as unit:
        account = await _account(unit.session, account_id, district=district)
        if account.role not in directory.GRANTABLE_ROLES:
            raise invalid_field(
                "account_id", zh="该账号只能由运维命令行重置", en="this account is reset by the CLI only"
            )
        account, secret = await directory.reset_user(
            unit.session, settings, username=account.username, password=password, new_totp=new_totp
        )
        await events.emit(
            unit,
            AccountReset(username=account.username, new_totp=secret is not None),
            subject=f"user:{account.username}",
            district=district,
            actor=principal,
        )
        issued = AccountIssued(
            account=account_public(account, now=now_utc()), temporary_password=password, totp_secret=secret
        )
    return issued
