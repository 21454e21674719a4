"""Identity and access on the running services (each its own process, trusting the suite's issuer):
tokens that must be refused, a department kept to its own work, an extension never approved by its
requester, the audit timeline naming who acted, and the authorization matrix of every route × role ×
own or other org unit, generated from the policy table and the routes' declarations."""

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest

from shared.auth.policy import ROLES, Scope, allows, permits
from shared.auth.principal import Principal
from shared.dev.stack import SERVICES, Stack
from tests.issuer import TokenIssuer
from tests.route_declarations import Route, routes

CASE = {
    "hall": "DEMO", "channel": "walk_in", "problem_kind": "multi_department", "matter_code": "lease_filing",
    "description": "租赁备案缺银行同意函，孩子入学急需租赁凭证", "forward": True,
    "applicant": {"kind": "person", "name": "张三", "phone": "13812345678"},
}
LEAD, ASSISTING = "housing", "street_office"  # lease_filing's departments in the demo catalogue
OWN = {"district": "demo", "hall": "DEMO", "department": LEAD}
OTHER = {"district": "elsewhere", "hall": "ZZ", "department": "elsewhere_bureau"}


@dataclass
class World:
    stack: Stack
    issuer: TokenIssuer
    case: dict[str, Any]
    orders: dict[str, dict[str, Any]]  # by department

    def get(self, service: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.stack.url(service)}{path}", headers=headers, timeout=10, **kwargs)

    def post(self, service: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.stack.url(service)}{path}", headers=headers, timeout=10, **kwargs)


def eventually(probe, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, "condition not met in time"
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer) -> Iterator[World]:
    """The five services on SQLite, one case registered by a clerk of hall DEMO and dispatched."""
    stack = Stack(var_dir=tmp_path_factory.mktemp("access"), issuer=issuer.url).start()
    try:
        clerk = issuer.headers("window_clerk", sub="clerk-demo", name="窗口 李静", hall="DEMO")
        registered = httpx.post(f"{stack.url('intake')}/cases", json=CASE, headers=clerk, timeout=10)
        assert registered.status_code == 201, registered.text
        case = registered.json()
        supervisor = issuer.headers("supervisor")

        def dispatched() -> dict[str, dict[str, Any]] | None:
            found = httpx.get(f"{stack.url('routing')}/cases/{case['id']}/work-orders", headers=supervisor).json()[
                "items"
            ]
            return {o["department"]: o for o in found} if len(found) == 2 else None

        yield World(stack=stack, issuer=issuer, case=case, orders=eventually(dispatched))
    finally:
        stack.stop()


# --- tokens that must be refused, on every service ---------------------------------------------------------

GUARDED = {"intake": "/cases/{case}", "routing": "/work-orders/{order}", "sla": "/calendar/status",
           "notify": "/templates", "audit": "/cases/{case}/timeline"}


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def bad_token(kind: str, issuer: TokenIssuer, stranger: TokenIssuer) -> str | None:
    now = int(time.time())
    claims = {"iss": issuer.url, "aud": "bancheng", "sub": "u-1", "iat": now, "exp": now + 600,
              "roles": ["system_admin", "auditor", "dept_handler", "window_clerk"], "district": "demo",
              "hall": "DEMO", "department": LEAD}
    if kind == "none":
        return None
    if kind == "other_issuer":
        return stranger.token("system_admin", "auditor", "dept_handler", "window_clerk", hall="DEMO", department=LEAD)
    if kind == "expired":
        return issuer.sign({**claims, "iat": now - 7200, "exp": now - 3600})
    if kind == "alg_none":
        return f"{_b64(orjson.dumps({'alg': 'none', 'kid': issuer.key.kid}))}.{_b64(orjson.dumps(claims))}."
    if kind == "wrong_audience":
        return issuer.sign({**claims, "aud": "another-system"})
    if kind == "tampered":
        header, _body, signature = issuer.sign(claims).split(".")
        return f"{header}.{_b64(orjson.dumps({**claims, 'sub': 'someone-else'}))}.{signature}"
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["none", "other_issuer", "expired", "alg_none", "wrong_audience", "tampered"])
def test_a_request_without_a_valid_token_is_refused_by_every_service(world: World, kind: str) -> None:
    stranger = TokenIssuer().start()  # a real issuer with its own key, not the one the services trust
    try:
        token = bad_token(kind, world.issuer, stranger)
    finally:
        stranger.stop()
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    for service, path in GUARDED.items():
        url = path.format(case=world.case["id"], order=world.orders[LEAD]["id"])
        response = world.get(service, url, headers)
        assert response.status_code == 401, (service, kind, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_health_metrics_and_the_citizens_lookup_stay_open(world: World) -> None:
    for service in SERVICES:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert world.get(service, path).status_code == 200, (service, path)
    lookup = httpx.post(f"{world.stack.url('intake')}/status-lookup", timeout=10,
                        json={"case_number": world.case["case_number"], "phone_last4": "5678"})
    assert lookup.status_code == 200 and lookup.json()["state"] == "dispatched"


# --- a department's own work; an extension's requester; the timeline ----------------------------------------

def test_departments_act_on_their_own_work_orders_and_the_timeline_names_every_person(world: World) -> None:
    issuer, case = world.issuer, world.case
    housing = issuer.headers("dept_handler", sub="housing-zhang", name="住建 张伟", department=LEAD)
    street = issuer.headers("dept_handler", sub="street-liu", name="街道 刘芳", department=ASSISTING)
    head = issuer.headers("dept_head", "supervisor", sub="housing-head-chen", name="住建 陈主任", department=LEAD)
    supervisor = issuer.headers("supervisor", sub="sup-wang", name="督办 王强")
    lead, assisting = world.orders[LEAD]["id"], world.orders[ASSISTING]["id"]

    assert world.get("routing", f"/work-orders/{lead}", street).status_code == 403
    assert world.post("routing", f"/work-orders/{lead}/sign-for", street).status_code == 403
    assert [
        o["department"] for o in world.get("routing", f"/cases/{case['id']}/work-orders", street).json()["items"]
    ] == [ASSISTING]
    assert world.post("routing", f"/work-orders/{lead}/sign-for", housing).status_code == 200
    asked = world.post("routing", f"/work-orders/{lead}/extension", head, json={
        "requested_due_at": "2030-01-31T09:00:00+08:00", "legal_basis": "经联社公示期15日", "reason": "等待公示期满"})
    assert asked.status_code == 200, asked.text
    own_approval = world.post("routing", f"/work-orders/{lead}/extension/decision", head, json={"approve": True})
    assert own_approval.status_code == 403 and "本人" in own_approval.text
    approved = world.post("routing", f"/work-orders/{lead}/extension/decision", supervisor, json={"approve": True})
    assert approved.status_code == 200, approved.text
    assert world.post("routing", f"/work-orders/{lead}/reply", housing, json={"reply": "已备案"}).status_code == 200
    assert world.post("routing", f"/work-orders/{assisting}/sign-for", street).status_code == 200
    assert world.post("routing", f"/work-orders/{assisting}/reply", street, json={"reply": "已核实"}).status_code == 200
    composed = world.post("routing", f"/cases/{case['id']}/reply", housing, json={"reply": "租赁备案已办结"})
    assert composed.status_code == 200, composed.text

    auditor = issuer.headers("auditor")

    def replied() -> list[dict[str, Any]] | None:
        timeline = world.get("audit", f"/cases/{case['id']}/timeline", auditor).json()["items"]
        return timeline if "case.replied" in {e["type"] for e in timeline} else None

    timeline = eventually(replied)
    actors = {(e["type"], e["data"].get("department")): (e["actor"], (e["actor_detail"] or {}).get("name"))
              for e in timeline}
    clerk = ("person:clerk-demo", "窗口 李静")
    assert actors[("case.registered", None)] == actors[("case.accepted", None)] == clerk
    assert actors[("case.forwarded", None)] == clerk
    assert actors[("workorder.signed_for", LEAD)] == ("person:housing-zhang", "住建 张伟")
    assert actors[("workorder.extension_requested", LEAD)] == ("person:housing-head-chen", "住建 陈主任")
    assert actors[("workorder.extension_decided", LEAD)] == ("person:sup-wang", "督办 王强")
    assert actors[("workorder.replied", LEAD)] == ("person:housing-zhang", "住建 张伟")
    assert actors[("workorder.signed_for", ASSISTING)] == actors[("workorder.replied", ASSISTING)] == (
        "person:street-liu", "街道 刘芳")
    assert actors[("workorder.case_reply_composed", None)] == ("person:housing-zhang", "住建 张伟")
    assert actors[("case.replied", None)] == ("person:housing-zhang", "住建 张伟")
    for entry in timeline:  # a person's step names them; every other step is a service's own decision
        if entry["actor"].startswith("person:"):
            assert entry["actor_detail"]["name"], entry
        else:
            assert entry["actor"].startswith("service:"), entry


# --- the authorization matrix -----------------------------------------------------------------------------

SCOPED_PATH = {"case_id", "work_order_id", "department", "district", "supervision_id", "hall"}
SCOPED_QUERY = {"district", "hall", "department"}
REQUIRED_QUERY = {"by": "colour", "month": "2026-12"}


def principal_for(role: str, unit: dict[str, str]) -> Principal:
    return Principal(subject=f"{role}-matrix", name=role, kind="person", roles=frozenset({role}), **unit)


def request_for(route: Route, world: World) -> tuple[str, dict[str, str], bool]:
    """The route's URL with the world's resource in its path, its scoped query filled with the own unit's
    values; and whether the route's resource belongs to an org unit."""
    names = {p["name"]: p for p in route.operation.get("parameters", [])}
    named = "awaiting_acceptance" if route.path.startswith("/queues/") else "case_accepted_citizen"  # or a template
    path = route.path.format(case_id=world.case["id"], work_order_id=world.orders[LEAD]["id"], department=LEAD,
                             district="demo", code="matrix_probe", supervision_id="no-such-item",
                             name=named, item_no=1, attachment_id=1, hall=OWN["hall"])
    query = {name: OWN[name] for name in names if name in SCOPED_QUERY and names[name]["in"] == "query"}
    query |= {name: value for name, value in REQUIRED_QUERY.items() if name in names}
    scoped = bool(SCOPED_PATH & set(names)) or bool(query.keys() & SCOPED_QUERY)
    return path, query, scoped


def expected_allowed(route: Route, principal: Principal, *, scoped: bool, status: int,
                     asked: frozenset[str] = frozenset()) -> bool:
    """What the policy says: the role must hold the route's permission; where the request reached the resource
    (not stopped by its body's validation first), the scope must match the resource's too. A narrowed list keeps
    to the caller's units by itself (it filters); asked for units (`asked`) outside the caller's, it may refuse."""
    if not permits(principal, route.permission):
        return False
    stopped_by_body = status == 422 and (route.operation.get("requestBody") or {}).get("required", False)
    if stopped_by_body:
        return True
    if route.operation.get("x-scope") == "narrowed":
        return status != 403 or allows(principal, route.permission, Scope(**{name: OWN[name] for name in asked}))
    if "{department}" in route.path:  # a department's own list: the department's, in no hall
        return allows(principal, route.permission, Scope(district=OWN["district"], department=OWN["department"]))
    return allows(principal, route.permission, Scope(**OWN) if scoped else Scope())


def test_every_route_answers_every_role_as_the_policy_says(world: World) -> None:
    tokens = {(role, side): world.issuer.token(role, sub=f"{role}-matrix", name=role, **unit)
              for role in ROLES for side, unit in (("own", OWN), ("other", OTHER))}
    mismatches, checked = [], 0
    for service in SERVICES:
        document = world.get(service, "/openapi.json").json()
        guarded = [r for r in routes(service, document) if r.permission not in ("public", "signed-webhook", "api-key")]
        assert guarded, service
        with httpx.Client(base_url=world.stack.url(service), timeout=10) as client:
            for route in guarded:
                path, query, scoped = request_for(route, world)
                body_required = (route.operation.get("requestBody") or {}).get("required", False)
                for (role, side), token in tokens.items():
                    principal = principal_for(role, OWN if side == "own" else OTHER)
                    response = client.request(route.method.upper(), path, params=query,
                                              headers={"Authorization": f"Bearer {token}"},
                                              json={} if body_required else None)
                    allowed = expected_allowed(route, principal, scoped=scoped, status=response.status_code,
                                               asked=frozenset(query.keys() & SCOPED_QUERY))
                    checked += 1
                    if response.status_code == 401 or (response.status_code == 403) == allowed:
                        mismatches.append(f"{route.name} as {role} ({side}): {response.status_code}, "
                                          f"policy says {'allow' if allowed else 'deny'}")
                    elif allowed and route.operation.get("x-scope") == "narrowed" and route.path.startswith(
                            "/cases/{case_id}/"):
                        visible = bool(response.json()["items"])  # a narrowed list: a page
                        if visible != allows(principal, route.permission, Scope(**OWN)):
                            mismatches.append(f"{route.name} as {role} ({side}) shows {response.text[:80]}")
    assert not mismatches, f"{len(mismatches)} of {checked}:\n" + "\n".join(mismatches)
    assert checked >= 700
