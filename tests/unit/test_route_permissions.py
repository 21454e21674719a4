"""No route of any service is left without a declared permission: each names one of the policy's, or says
it is public or a signed webhook, and only the few that must be open are."""

import pytest

from shared.auth.policy import PERMISSIONS
from tests.route_declarations import SERVICES, Route, routes

# Open311 GeoReport v2 (docs/open311.md): its clients read services and requests without any credential,
# as the standard has them, and the answers carry no personal data; posting needs the client's api_key.
OPEN311_READS = {"GET /open311/v2/services.{fmt}", "GET /open311/v2/services/{service_code}.{fmt}",
                 "GET /open311/v2/requests.{fmt}", "GET /open311/v2/requests/{service_request_id}.{fmt}"}
# A citizen's upload for a report not yet sent (docs/attachments.md): limited per client address, pending until
# the report claims it; and the citizen's own pages (docs/citizen.md): no login, the proof of work and SMS codes
# stand in.
CITIZEN_PAGES = {"GET /public/districts", "GET /public/districts/{code}", "POST /public/challenges",
                 "POST /public/verification-codes", "POST /public/reports", "POST /public/follow",
                 "POST /public/cases/{case_number}/rating"}
CITIZEN_ROUTES = {"POST /status-lookup", "POST /public/attachments", *CITIZEN_PAGES}
OPEN_ROUTES = {
    "public": {"GET /healthz", "GET /readyz", "GET /metrics", *CITIZEN_ROUTES, *OPEN311_READS},
    "signed-webhook": {"POST /hotline/12345/orders"},
    "api-key": {"POST /open311/v2/requests.{fmt}"},
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


IDENTITY_ENDPOINTS = {  # the OIDC provider's own: each authenticates by the protocol (form, client, PKCE, token)
    "GET /.well-known/openid-configuration", "GET /.well-known/jwks.json", "GET /authorize", "POST /authorize",
    "POST /authorize/password", "POST /authorize/totp", "POST /token", "POST /revoke", "GET /userinfo",
    "POST /logout", "GET /logout",
}


def test_the_identity_service_opens_only_the_oidc_endpoints_and_the_operations_routes(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANCHENG_IDENTITY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/identity.db")
    declared = {f"{r.method.upper()} {r.path}": r.permission for r in routes("identity")}
    accounts = {route: permission for route, permission in declared.items()
                if " /accounts" in route or " /org-units" in route}
    assert (
        set(declared) - set(accounts)
        == IDENTITY_ENDPOINTS | OPEN_ROUTES["public"] - CITIZEN_ROUTES - OPEN311_READS
    )
    assert set(declared.values()) - set(accounts.values()) == {"public"}
    # The district's people (账号管理) are its administrators' only.
    assert accounts == {
        "GET /accounts": "account.read",
        "POST /accounts": "account.change",
        "PATCH /accounts/{account_id}": "account.change",
        "POST /accounts/{account_id}/reset": "account.change",
        "GET /org-units": "account.read",
    }
