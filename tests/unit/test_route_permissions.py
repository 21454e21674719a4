"""No route of any service is left without a declared permission: each names one of the policy's, or says
it is public or a signed webhook, and only the few that must be open are."""

import pytest

from shared.auth.policy import PERMISSIONS
from tests.route_declarations import SERVICES, Route, routes

OPEN_ROUTES = {
    "public": {"GET /healthz", "GET /readyz", "GET /metrics", "POST /status-lookup"},
    "signed-webhook": {"POST /hotline/12345/orders"},
}


@pytest.fixture(scope="module", params=SERVICES)
def service_routes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Route]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BANCHENG_SLA_ENVIRONMENT", "test")  # its test clock route must declare a permission too
        env.setenv("BANCHENG_AUDIT_SIGNING_KEY_PATH", str(tmp_path_factory.mktemp("audit") / "key.pem"))
        return routes(request.param)


def test_every_route_declares_a_permission_the_policy_knows(service_routes: list[Route]) -> None:
    undeclared = [r.name for r in service_routes if r.permission is None]
    unknown = [f"{r.name}: {r.permission}" for r in service_routes
               if r.permission is not None and r.permission not in PERMISSIONS | set(OPEN_ROUTES)]
    assert not undeclared, f"routes without a permission: {undeclared}"
    assert not unknown, f"permissions the policy does not know: {unknown}"


def test_only_the_routes_that_must_be_open_are(service_routes: list[Route]) -> None:
    for kind, allowed in OPEN_ROUTES.items():
        opened = {f"{r.method.upper()} {r.path}" for r in service_routes if r.permission == kind}
        assert opened <= allowed, f"{kind} routes beyond {sorted(allowed)}: {sorted(opened - allowed)}"


def test_every_guarded_route_asks_for_a_bearer_token(service_routes: list[Route]) -> None:
    guarded = [r for r in service_routes if r.permission in PERMISSIONS]
    assert guarded
    assert all(r.operation.get("security") == [{"bearer": []}] for r in guarded), [
        r.name for r in guarded if r.operation.get("security") != [{"bearer": []}]]
