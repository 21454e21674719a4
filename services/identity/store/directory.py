"""Org units, accounts and clients: adding them (the CLI, the demo seed), each input checked by field."""

import asyncio
import re
from typing import Any

import pyotp
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.identity.config import IdentitySettings
from services.identity.domain.passwords import hash_password, policy_problems
from services.identity.domain.problems import FieldProblem, Refused
from services.identity.domain.roles import (
    NEEDS_DEPARTMENT,
    NEEDS_HALL,
    PERSON_ROLES,
    SYSTEM_ROLES,
    needs_second_factor,
)
from services.identity.store.logins import seal_totp_secret
from services.identity.store.tables import Account, Client, OrgUnit, digest

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ORG_KINDS = ("district", "hall", "department")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


def org_unit_id(district: str, kind: str, code: str) -> str:
    return f"{district}:{kind}:{code}"


async def add_org_unit(session: AsyncSession, *, district: str, kind: str, code: str, name: str) -> OrgUnit:
    """Idempotent: an existing unit keeps its id and takes the new name."""
    problems = []
    if kind not in ORG_KINDS:
        problems.append(FieldProblem("kind", f"须为 {'/'.join(ORG_KINDS)} 之一",
                                     f"must be one of {', '.join(ORG_KINDS)}"))
    for field, value in (("district", district), ("code", code)):
        if not CODE.match(value):
            problems.append(FieldProblem(field, "只能包含字母、数字、下划线和连字符", "letters, digits, _ and - only"))
    if not name.strip():
        problems.append(FieldProblem("name", "不能为空", "must not be empty"))
    if problems:
        raise Refused(problems)
    unit_id = org_unit_id(district, kind, code)
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        unit = OrgUnit(id=unit_id, district=district, kind=kind, code=code, name=name)
    unit.name = name
    session.add(unit)
    return unit


async def _check_org(session: AsyncSession, *, role: str, district: str, hall: str | None,
                     department: str | None) -> list[FieldProblem]:
    problems = []
    if await session.get(OrgUnit, org_unit_id(district, "district", district)) is None:
        problems.append(FieldProblem("district", f"未知的区：{district}", f"unknown district: {district}"))
    if role in NEEDS_HALL and not hall:
        problems.append(FieldProblem("hall", "该角色须指定大厅", "this role needs a hall"))
    if hall and await session.get(OrgUnit, org_unit_id(district, "hall", hall)) is None:
        problems.append(FieldProblem("hall", f"该区没有大厅 {hall}", f"no hall {hall} in this district"))
    if role in NEEDS_DEPARTMENT and not department:
        problems.append(FieldProblem("department", "该角色须指定部门", "this role needs a department"))
    if department and await session.get(OrgUnit, org_unit_id(district, "department", department)) is None:
        problems.append(FieldProblem("department", f"该区没有部门 {department}", f"no department {department} here"))
    return problems


async def add_user(
    session: AsyncSession, settings: IdentitySettings, *, username: str, display_name: str, role: str,
    district: str, password: str, hall: str | None = None, department: str | None = None,
    totp_secret: str | None = None, must_change_password: bool = False,
) -> tuple[Account, str | None]:
    """A new account; returns it and its TOTP secret (generated for a privileged role when not given)."""
    problems = []
    if not USERNAME.match(username):
        problems.append(FieldProblem("username", "3–64 位小写字母、数字或 . _ -",
                                     "3-64 lower-case letters, digits, . _ -"))
    elif await _account(session, username) is not None:
        problems.append(FieldProblem("username", "用户名已存在", "the username is taken"))
    if not display_name.strip():
        problems.append(FieldProblem("name", "不能为空", "must not be empty"))
    if role not in PERSON_ROLES:
        problems.append(FieldProblem("role", f"未知的人员角色：{role}", f"unknown person role: {role}"))
    else:
        problems += await _check_org(session, role=role, district=district, hall=hall, department=department)
    problems += policy_problems(password, username=username)
    if totp_secret is not None and not _valid_base32(totp_secret):
        problems.append(FieldProblem("totp_secret", "须为 Base32 编码且至少 16 位",
                                     "must be base32, 16 characters or more"))
    if problems:
        raise Refused(problems)
    if totp_secret is None and needs_second_factor(role):
        totp_secret = pyotp.random_base32()
    account = Account(
        username=username, display_name=display_name.strip(), role=role, district=district, hall=hall,
        department=department, password_hash=await asyncio.to_thread(hash_password, password),
        totp_secret_sealed=seal_totp_secret(settings, totp_secret) if totp_secret else None,
        must_change_password=must_change_password,
    )
    session.add(account)
    return account, totp_secret


def _valid_base32(secret: str) -> bool:
    return len(secret) >= 16 and re.fullmatch(r"[A-Z2-7]+=*", secret) is not None


async def _account(session: AsyncSession, username: str) -> Account | None:
    return (await session.exec(select(Account).where(Account.username == username))).first()


async def put_client(
    session: AsyncSession, *, client_id: str, name: str, secret: str, grant_types: list[str], district: str,
    redirect_uris: list[str] = (), scope: str = "", role: str | None = None, department: str | None = None,
) -> Client:
    """Add a client, or update an existing one in place (its secret and redirect URIs above all)."""
    problems = []
    if not CODE.match(client_id):
        problems.append(FieldProblem("client_id", "只能包含字母、数字、下划线和连字符",
                                     "letters, digits, _ and - only"))
    if len(secret) < 16:
        problems.append(FieldProblem("secret", "至少 16 位", "must be at least 16 characters"))
    if not grant_types or any(grant not in GRANT_TYPES for grant in grant_types):
        problems.append(FieldProblem("grant_types", f"须为 {', '.join(GRANT_TYPES)} 中的一个或多个",
                                     f"one or more of {', '.join(GRANT_TYPES)}"))
    if "authorization_code" in grant_types and not redirect_uris:
        problems.append(FieldProblem("redirect_uris", "授权码客户端须登记回调地址",
                                     "a code client needs a redirect URI"))
    if "client_credentials" in grant_types and role not in SYSTEM_ROLES:
        problems.append(FieldProblem("role", f"系统客户端须为 {'/'.join(sorted(SYSTEM_ROLES))} 角色",
                                     f"a system client needs one of the roles {', '.join(sorted(SYSTEM_ROLES))}"))
    if role is not None:
        problems += await _check_org(session, role=role, district=district, hall=None, department=department)
    if problems:
        raise Refused(problems)
    client = await session.get(Client, client_id) or Client(client_id=client_id, name=name, secret_digest="",
                                                            district=district)
    client.name, client.secret_digest, client.grant_types = name, digest(secret), list(grant_types)
    client.redirect_uris, client.scope, client.role = list(redirect_uris), scope, role
    client.district, client.department = district, department
    session.add(client)
    return client


async def reset_user(
    session: AsyncSession, settings: IdentitySettings, *, username: str, password: str | None = None,
    new_totp: bool = False,
) -> tuple[Account, str | None]:
    """An operator's reset: a new password (to be changed at the next login), a new TOTP secret, or both;
    the lockout and failure count are cleared. Returns the account and its new TOTP secret, if any."""
    account = await _account(session, username)
    if account is None:
        raise Refused([FieldProblem("username", f"没有用户 {username}", f"no user {username}")])
    if password is None and not new_totp:
        raise Refused([FieldProblem("password", "须给出新密码或 --new-totp", "give a new password or --new-totp")])
    if password is not None:
        if problems := policy_problems(password, username=username):
            raise Refused(problems)
        account.password_hash = await asyncio.to_thread(hash_password, password)
        account.must_change_password = True
    secret = pyotp.random_base32() if new_totp else None
    if secret:
        account.totp_secret_sealed = seal_totp_secret(settings, secret)
    account.failed_logins, account.locked_until = 0, None
    session.add(account)
    return account, secret


# Roles a district's administrator may give; the district admins and the three administrators (三员) are added
# by the operator's CLI, so no administrator can raise another (or themselves) through the API.
GRANTABLE_ROLES = frozenset({"window_clerk", "dept_handler", "dept_head", "supervisor", "auditor"})


def grantable_problems(role: str) -> list[FieldProblem]:
    if role in GRANTABLE_ROLES:
        return []
    return [FieldProblem("role", f"只能授予 {'、'.join(sorted(GRANTABLE_ROLES))}",
                         f"an administrator may grant {', '.join(sorted(GRANTABLE_ROLES))} only")]


async def accounts_of(session: AsyncSession, *, district: str, role: str | None, offset: int,
                      limit: int) -> list[Account]:
    """A district's accounts by username, one page (and one more row, to tell whether another page follows)."""
    query = select(Account).where(Account.district == district)
    if role is not None:
        query = query.where(Account.role == role)
    query = query.order_by(col(Account.username)).offset(offset).limit(limit + 1)
    return list((await session.exec(query)).all())


async def account_in(session: AsyncSession, account_id: str, *, district: str) -> Account | None:
    """The account, if it belongs to `district` (another district's account is as unknown as a missing one)."""
    account = await session.get(Account, account_id)
    return account if account is not None and account.district == district else None


async def change_user(session: AsyncSession, settings: IdentitySettings, account: Account,
                      changes: dict[str, Any]) -> tuple[list[str], str | None]:
    """Apply an administrator's changes (display_name, role, hall, department, disabled); returns the fields that
    changed and, for a role newly needing a second factor, its TOTP secret. The org unit is checked against the
    role the account ends with."""
    if account.role not in GRANTABLE_ROLES:
        raise Refused([FieldProblem("account_id", "该账号只能由运维命令行修改",
                                    "this account is changed by the operator's CLI only")])
    role = changes.get("role", account.role)
    problems = grantable_problems(role)
    if "display_name" in changes and not str(changes["display_name"]).strip():
        problems.append(FieldProblem("display_name", "不能为空", "must not be empty"))
    hall = changes.get("hall", account.hall) if role in NEEDS_HALL else None
    department = changes.get("department", account.department) if role in NEEDS_DEPARTMENT else None
    if not problems:
        problems += await _check_org(session, role=role, district=account.district, hall=hall, department=department)
    if problems:
        raise Refused(problems)
    after = {"display_name": str(changes.get("display_name", account.display_name)).strip(), "role": role,
             "hall": hall, "department": department, "disabled": changes.get("disabled", account.disabled)}
    changed = [name for name, value in after.items() if getattr(account, name) != value]
    for name in changed:
        setattr(account, name, after[name])
    secret = None
    if needs_second_factor(role) and account.totp_secret_sealed is None:
        secret = pyotp.random_base32()
        account.totp_secret_sealed = seal_totp_secret(settings, secret)
    session.add(account)
    return changed, secret
