"""What each role may do, and where: the one table every service's routes are decided by.

A permission is granted to a role at a scope, the org unit the principal and the resource must share:
`hall` (a window clerk's hall), `department` (a department's staff or system), `district` (supervisors,
administrators, auditors; a resource that belongs to no district, such as the working-day calendar, is
in every district's reach) or `any` (the operations administrator). docs/access.md prints the matrix.
"""

from dataclasses import dataclass
from typing import Literal

from shared.auth.principal import PERSON_ROLES, SYSTEM_ROLES, Principal

ScopeKind = Literal["hall", "department", "district", "any"]
ROLES = PERSON_ROLES | SYSTEM_ROLES

_DISTRICT_READERS: dict[str, ScopeKind] = {
    "supervisor": "district",
    "district_admin": "district",
    "auditor": "district",
}
_DEPARTMENT: dict[str, ScopeKind] = {"dept_handler": "department", "dept_head": "department",
                                     "dept_system": "department"}

POLICY: dict[str, dict[str, ScopeKind]] = {
    # intake: cases
    "case.register": {"window_clerk": "hall"},
    "case.read": {"window_clerk": "hall", **_DISTRICT_READERS},
    "case.count": dict(_DISTRICT_READERS),
    "case.act": {"window_clerk": "hall", "supervisor": "district"},
    "case.print": {"window_clerk": "hall", "supervisor": "district"},
    "case.find_by_applicant": {"window_clerk": "hall", **_DISTRICT_READERS},
    "personal_data.reveal": {"window_clerk": "hall", "supervisor": "district"},
    # a department: only on the cases it holds a work order for (intake checks the case's work orders)
    "attachment.read": {"window_clerk": "hall", **_DEPARTMENT, **_DISTRICT_READERS},
    "attachment.add": {"window_clerk": "hall", "dept_handler": "department", "dept_head": "department",
                       "supervisor": "district"},
    # routing: work orders, triage, catalogue, district packs
    "workorder.read": {**_DEPARTMENT, **_DISTRICT_READERS},
    "workorder.handle": dict(_DEPARTMENT),
    "workorder.escalate": {"dept_head": "department", "supervisor": "district"},
    "workorder.meeting": {"supervisor": "district"},
    "extension.decide": {"supervisor": "district"},
    "routing.read": {"window_clerk": "hall", **_DISTRICT_READERS},
    "triage.read": {"supervisor": "district", "district_admin": "district"},
    "triage.assign": {"supervisor": "district", "district_admin": "district"},
    "supervision.assign": {"supervisor": "district"},
    "catalogue.read": {"window_clerk": "district", "dept_handler": "district", "dept_head": "district",
                       "dept_system": "district", **_DISTRICT_READERS},
    # The whole district pack (contacts and webhook addresses included): read by the district's readers,
    # published by its administrator alone (creating a district too: the token's district claim is the new code).
    "pack.read": dict(_DISTRICT_READERS),
    "pack.publish": {"district_admin": "district"},
    # sla: deadlines, supervision board, calendar
    "deadline.read": {"window_clerk": "hall", **_DEPARTMENT, **_DISTRICT_READERS},
    "supervision.read": {"dept_head": "department", **_DISTRICT_READERS},
    "supervision.urge": {"supervisor": "district"},
    # identity: a district's people (账号管理); the 三员 and district admins themselves are added by the CLI
    "account.read": {"district_admin": "district", "security_admin": "district", "system_admin": "district"},
    "account.change": {"district_admin": "district", "system_admin": "district"},
    "calendar.read": {"system_admin": "any", "supervisor": "district", "district_admin": "district"},
    "calendar.reload": {"system_admin": "any"},
    "clock.move": {"system_admin": "any"},  # the sla test clock, mounted only when environment=test
    # notify: deliveries and templates
    "delivery.read": {"system_admin": "any", **_DISTRICT_READERS},
    "template.read": {"system_admin": "any", "district_admin": "district"},
    # audit: the log and the read model
    "audit.timeline": {"audit_admin": "district", **_DISTRICT_READERS},
    "audit.search": dict(_DISTRICT_READERS),
    "library.read": {"window_clerk": "district", "dept_handler": "district", "dept_head": "district",
                     **_DISTRICT_READERS},
    "report.read": dict(_DISTRICT_READERS),
    "report.export": {"district_admin": "district", "auditor": "district"},
}
PERMISSIONS = frozenset(POLICY)


@dataclass(frozen=True, slots=True)
class Scope:
    """The org unit a resource belongs to (as much of it as is known), or the bounds a query must keep."""

    district: str | None = None
    hall: str | None = None
    department: str | None = None


def permits(principal: Principal, permission: str) -> bool:
    """Whether any of the principal's roles holds `permission` somewhere (the route-level check)."""
    granted = POLICY[permission]
    return any(role in granted for role in principal.roles)


def allows(principal: Principal, permission: str, scope: Scope) -> bool:
    """Whether the principal may do `permission` on a resource of `scope`."""
    granted = POLICY[permission]
    return any(_within(principal, kind, scope) for role in principal.roles if (kind := granted.get(role)))


def bounds(principal: Principal, permission: str) -> Scope:
    """The widest scope the principal's roles give for `permission`: the filter a list or search must keep."""
    kinds = {kind for role in principal.roles if (kind := POLICY[permission].get(role))}
    if "any" in kinds:
        return Scope()
    if "district" in kinds:
        return Scope(district=principal.district)
    if "hall" in kinds:
        return Scope(district=principal.district, hall=principal.hall)
    return Scope(district=principal.district, department=principal.department)


def _within(principal: Principal, kind: ScopeKind, scope: Scope) -> bool:
    if kind == "any":
        return True
    if scope.district is not None and principal.district != scope.district:
        return False
    if kind == "district":
        return principal.district is not None
    if kind == "hall":
        return principal.hall is not None and scope.hall == principal.hall
    return principal.department is not None and scope.department == principal.department
