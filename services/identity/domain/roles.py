"""Roles of the identity contract, and which org unit scopes each one."""

from enum import StrEnum


class Role(StrEnum):
    window_clerk = "window_clerk"  # 窗口工作人员, scoped by hall
    dept_handler = "dept_handler"  # 职能部门经办人, by department
    dept_head = "dept_head"  # 部门负责人, by department
    supervisor = "supervisor"  # 督办专员, by district
    district_admin = "district_admin"
    auditor = "auditor"  # read-only, verify, exports; by district
    system_admin = "system_admin"  # the three separated administrators (三员) of MLPS 2.0 level 3
    security_admin = "security_admin"
    audit_admin = "audit_admin"
    hotline12345 = "hotline12345"  # systems (client credentials)
    dept_system = "dept_system"


PERSON_ROLES = frozenset({
    Role.window_clerk, Role.dept_handler, Role.dept_head, Role.supervisor, Role.district_admin, Role.auditor,
    Role.system_admin, Role.security_admin, Role.audit_admin,
})
SYSTEM_ROLES = frozenset({Role.hotline12345, Role.dept_system})
# A second factor (TOTP) is required for these: they change who may do what, or watch everyone.
PRIVILEGED_ROLES = frozenset({
    Role.district_admin, Role.system_admin, Role.security_admin, Role.audit_admin, Role.supervisor,
})
NEEDS_HALL = frozenset({Role.window_clerk})
NEEDS_DEPARTMENT = frozenset({Role.dept_handler, Role.dept_head, Role.dept_system})


def needs_second_factor(role: str) -> bool:
    return role in PRIVILEGED_ROLES
