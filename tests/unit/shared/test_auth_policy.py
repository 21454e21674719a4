"""The policy's scope rules: a clerk's hall, a department's own work, a district's reach."""

import pytest
from fastapi import HTTPException

from shared.auth.http import bounded
from shared.auth.policy import POLICY, ROLES, Scope, allows, bounds, permits
from shared.auth.principal import Principal
from shared.settings import REPO_ROOT


def person(*roles: str, district: str = "demo", hall: str | None = None, department: str | None = None) -> Principal:
    return Principal(subject="u", name="u", kind="person", roles=frozenset(roles), district=district, hall=hall,
                     department=department)


def test_every_granted_role_is_a_known_role() -> None:
    assert {role for grants in POLICY.values() for role in grants} <= ROLES


def test_a_clerk_acts_on_cases_of_its_own_hall_only() -> None:
    clerk = person("window_clerk", hall="FT")
    assert allows(clerk, "case.act", Scope(district="demo", hall="FT"))
    assert not allows(clerk, "case.act", Scope(district="demo", hall="XC"))
    assert not allows(clerk, "case.act", Scope(district="other", hall="FT"))


def test_a_department_handles_its_own_work_orders_only() -> None:
    handler = person("dept_handler", department="market")
    assert allows(handler, "workorder.handle", Scope(district="demo", department="market"))
    assert not allows(handler, "workorder.handle", Scope(district="demo", department="housing"))


def test_a_supervisor_reaches_its_whole_district_and_no_other() -> None:
    supervisor = person("supervisor")
    assert allows(supervisor, "extension.decide", Scope(district="demo", department="market"))
    assert not allows(supervisor, "extension.decide", Scope(district="other", department="market"))


def test_a_role_without_the_permission_is_refused_everywhere() -> None:
    assert not permits(person("auditor"), "workorder.handle")
    assert not permits(person("hotline12345"), "case.read")
    assert not permits(person("security_admin"), "case.read")


def test_the_operations_admin_reaches_global_resources() -> None:
    assert allows(person("system_admin", district="ops"), "calendar.reload", Scope())
    assert bounds(person("system_admin"), "delivery.read") == Scope()


def test_a_list_is_narrowed_to_the_principals_bounds() -> None:
    head = person("dept_head", department="market")
    assert bounded(head, "supervision.read", district=None, department=None) == {"district": "demo",
                                                                                 "department": "market"}
    with pytest.raises(HTTPException) as refused:
        bounded(head, "supervision.read", district=None, department="housing")
    assert refused.value.status_code == 403


def test_a_list_that_cannot_keep_the_bounds_is_refused() -> None:
    with pytest.raises(HTTPException):
        bounded(person("dept_head", department="market"), "supervision.read", district=None)


def test_the_documented_matrix_is_the_policy() -> None:
    """docs/access.md's table says what POLICY grants, cell by cell."""
    lines = (REPO_ROOT / "docs" / "access.md").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip(" `") for cell in header.strip("|").split("|")[1:]]
    documented = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == len(roles) + 1:
            kinds = {"hall": "hall", "dept": "department", "district": "district", "any": "any"}
            scopes = zip(roles, cells[1:], strict=True)
            documented[cells[0].strip("`")] = {role: kinds[cell] for role, cell in scopes if cell}
    assert documented == POLICY
