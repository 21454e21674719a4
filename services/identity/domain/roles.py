"""Which roles need what at this provider. The role names are the identity contract's (shared.auth.principal):
persons are window_clerk (scoped by hall), dept_handler and dept_head (by department), supervisor (督办),
district_admin and auditor (by district), and the three separated administrators (三员) of MLPS 2.0
level 3: system_admin, security_admin, audit_admin; systems are hotline12345 and dept_system."""

from shared.auth.principal import PERSON_ROLES, SYSTEM_ROLES

__all__ = ["PERSON_ROLES", "SYSTEM_ROLES", "PRIVILEGED_ROLES", "NEEDS_HALL", "NEEDS_DEPARTMENT", "needs_second_factor"]

# A second factor (TOTP) is required for these: they change who may do what, or watch everyone.
PRIVILEGED_ROLES = frozenset({"district_admin", "system_admin", "security_admin", "audit_admin", "supervisor"})
NEEDS_HALL = frozenset({"window_clerk"})
NEEDS_DEPARTMENT = frozenset({"dept_handler", "dept_head", "dept_system"})


def needs_second_factor(role: str) -> bool:
    return role in PRIVILEGED_ROLES
