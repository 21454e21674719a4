"""deploy/keycloak/bancheng-realm.json, the realm Keycloak imports in production, against the identity
contract (roles, claims, clients) and the MLPS 2.0 level 3 identification clauses (password policy,
a second factor for the privileged roles, lockout, session timeouts, login events). No Keycloak runs
here: the realm representation is read as Keycloak's import reads it."""

import json
import re

import pytest
import yaml

from shared.districts import PACKS_DIR
from shared.settings import REPO_ROOT

REALM = json.loads((REPO_ROOT / "deploy" / "keycloak" / "bancheng-realm.json").read_text(encoding="utf-8"))
COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
DEMO = yaml.safe_load((PACKS_DIR / "demo" / "district.yaml").read_text(encoding="utf-8"))
DEPARTMENTS = yaml.safe_load((PACKS_DIR / "demo" / "catalogue.yaml").read_text(encoding="utf-8"))["departments"]

# The identity contract's roles, and the ones MLPS 2.0 level 3 asks a second factor of.
PERSON_ROLES = {"window_clerk", "dept_handler", "dept_head", "supervisor", "district_admin", "auditor",
                "system_admin", "security_admin", "audit_admin"}
SYSTEM_ROLES = {"hotline12345", "dept_system"}
PRIVILEGED_ROLES = {"system_admin", "security_admin", "audit_admin", "district_admin"}
# Which mapper puts each contract claim in an access token (iss, exp, iat, jti, azp: Keycloak always does).
CLAIM_MAPPERS = {
    "sub": ("oidc-sub-mapper", {}),
    "roles": ("oidc-usermodel-realm-role-mapper", {"claim.name": "roles", "multivalued": "true"}),
    "district": ("oidc-usermodel-attribute-mapper", {"claim.name": "district", "user.attribute": "district"}),
    "hall": ("oidc-usermodel-attribute-mapper", {"claim.name": "hall", "user.attribute": "hall"}),
    "department": ("oidc-usermodel-attribute-mapper", {"claim.name": "department", "user.attribute": "department"}),
    "name": ("oidc-full-name-mapper", {}),
    "aud": ("oidc-audience-mapper", {"included.custom.audience": "bancheng"}),
    "client_id": ("oidc-usersessionmodel-note-mapper", {"claim.name": "client_id", "user.session.note": "client_id"}),
}
PLACEHOLDER = re.compile(r"^\$\{([A-Z0-9_]+)\}$")


def client(client_id: str) -> dict:
    return next(c for c in REALM["clients"] if c["clientId"] == client_id)


def mappers_of(definition: dict) -> list[dict]:
    """A client's own mappers and those of its default client scopes."""
    scopes = [s for s in REALM["clientScopes"] if s["name"] in definition["defaultClientScopes"]]
    return [*definition.get("protocolMappers", ()), *(m for s in scopes for m in s.get("protocolMappers", ()))]


def scope_roles(client_id: str) -> set[str]:
    return {role for m in REALM["scopeMappings"] if m["client"] == client_id for role in m["roles"]}


def user(username: str) -> dict:
    return next(u for u in REALM["users"] if u["username"] == username)


def people() -> list[dict]:
    return [u for u in REALM["users"] if "serviceAccountClientId" not in u]


def test_realm_bancheng_holds_every_contract_role() -> None:
    assert REALM["realm"] == "bancheng" and REALM["enabled"] is True
    assert {role["name"] for role in REALM["roles"]["realm"]} >= PERSON_ROLES | SYSTEM_ROLES
    assert REALM["defaultSignatureAlgorithm"] == "RS256"


SYSTEM_CLIENTS = ["hotline12345", *(f"dept-{d['code']}" for d in DEPARTMENTS)]


@pytest.mark.parametrize("client_id", ["console", *SYSTEM_CLIENTS])
def test_access_tokens_carry_every_contract_claim(client_id: str) -> None:
    mappers = mappers_of(client(client_id))
    for claim, (kind, config) in CLAIM_MAPPERS.items():
        found = [m for m in mappers if m["protocolMapper"] == kind and config.items() <= m["config"].items()]
        assert found, f"{client_id}: no mapper puts `{claim}` in its tokens"
        assert all(m["config"]["access.token.claim"] == "true" for m in found), claim


@pytest.mark.parametrize("client_id", ["console", *SYSTEM_CLIENTS])
def test_tokens_name_only_the_roles_the_client_may_carry(client_id: str) -> None:
    """With full scope off, Keycloak puts in `roles` only the roles mapped to the client's scope."""
    definition = client(client_id)
    assert definition["fullScopeAllowed"] is False
    expected = (
        PERSON_ROLES if client_id == "console" else {"hotline12345"} if client_id == "hotline12345" else {"dept_system"}
    )
    assert scope_roles(client_id) == expected
    assert definition["defaultClientScopes"] == ["bancheng"] and definition["optionalClientScopes"] == []


def test_console_is_a_confidential_code_flow_client_with_pkce_s256() -> None:
    console = client("console")
    assert console["publicClient"] is False and console["clientAuthenticatorType"] == "client-secret"
    assert console["standardFlowEnabled"] is True
    assert not (
        console["implicitFlowEnabled"] or console["directAccessGrantsEnabled"] or console["serviceAccountsEnabled"]
    )
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert console["redirectUris"] and all(uri.startswith("${BANCHENG_PUBLIC_URL}/") for uri in console["redirectUris"])


@pytest.mark.parametrize("client_id", SYSTEM_CLIENTS)
def test_system_clients_use_client_credentials_and_their_subject_is_the_client_id(client_id: str) -> None:
    definition = client(client_id)
    assert definition["serviceAccountsEnabled"] is True and definition["publicClient"] is False
    assert not (definition["standardFlowEnabled"] or definition["implicitFlowEnabled"]
                or definition["directAccessGrantsEnabled"])
    account = next(u for u in REALM["users"] if u.get("serviceAccountClientId") == client_id)
    assert account["id"] == client_id  # the service account's id is the token's `sub`
    assert account["attributes"]["district"] == ["demo"]
    if client_id.startswith("dept-"):
        assert account["realmRoles"] == ["dept_system"]
        assert account["attributes"]["department"] == [client_id.removeprefix("dept-")]
    else:
        assert account["realmRoles"] == ["hotline12345"]


def test_every_demo_department_has_its_own_system_client() -> None:
    assert {c["clientId"] for c in REALM["clients"] if c["clientId"].startswith("dept-")} == {
        f"dept-{d['code']}" for d in DEPARTMENTS
    }


def test_org_units_are_groups_carrying_district_hall_and_department() -> None:
    (district,) = REALM["groups"]
    assert district["name"] == "demo" and district["attributes"]["district"] == ["demo"]
    units = {g["name"]: g for g in district["subGroups"]}
    halls = {g["name"]: g["attributes"] for g in units["halls"]["subGroups"]}
    assert set(halls) == {hall["code"] for hall in DEMO["halls"]}
    assert all(a["hall"] == [code] and a["district"] == ["demo"] for code, a in halls.items())
    departments = {g["name"]: g["attributes"] for g in units["departments"]["subGroups"]}
    assert set(departments) == {d["code"] for d in DEPARTMENTS}
    assert all(a["department"] == [code] and a["district"] == ["demo"] for code, a in departments.items())


@pytest.mark.parametrize("person", people(), ids=lambda u: u["username"])
def test_each_person_carries_the_scope_their_role_needs_and_belongs_to_that_unit(person: dict) -> None:
    attributes = {name: values[0] for name, values in person["attributes"].items()}
    roles = set(person["realmRoles"])
    assert roles and roles <= PERSON_ROLES
    assert attributes["district"] == "demo"
    (group,) = person["groups"]
    if "window_clerk" in roles:
        assert group == f"/demo/halls/{attributes['hall']}"
    elif roles & {"dept_handler", "dept_head"}:
        assert group == f"/demo/departments/{attributes['department']}"
    else:
        assert group == "/demo" and not {"hall", "department"} & set(attributes)
    assert "credentials" not in person  # an administrator sets a temporary password (deploy/README.md)
    assert "UPDATE_PASSWORD" in person["requiredActions"]


def test_the_user_profile_declares_the_scope_attributes() -> None:
    (provider,) = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    declared = {a["name"]: a for a in profile["attributes"]}
    for name in ("district", "hall", "department"):
        assert declared[name]["permissions"] == {"view": ["admin"], "edit": ["admin"]}  # users cannot move themselves


def policy_clauses(policy: str) -> dict[str, str]:
    return dict(re.fullmatch(r"(\w+)\((.*)\)", clause).groups() for clause in policy.split(" and "))


def test_password_policy_has_the_mlps_level_3_clauses() -> None:
    clauses = policy_clauses(REALM["passwordPolicy"])
    assert int(clauses["length"]) >= 8
    for clause in ("upperCase", "lowerCase", "digits", "specialChars"):
        assert int(clauses[clause]) >= 1, clause
    assert "notUsername" in clauses
    assert int(clauses["passwordHistory"]) >= 3
    assert 0 < int(clauses["forceExpiredPasswordChange"]) <= 90  # days


def flow(alias: str) -> dict:
    return next(f for f in REALM["authenticationFlows"] if f["alias"] == alias)


def subflows(alias: str) -> list[dict]:
    """The executions of a flow and of every subflow under it."""
    found = []
    for execution in flow(alias)["authenticationExecutions"]:
        found.append(execution)
        if execution["authenticatorFlow"]:
            found += subflows(execution["flowAlias"])
    return found


def test_privileged_roles_must_present_a_totp_code_at_login() -> None:
    assert (REALM["otpPolicyType"], REALM["otpPolicyDigits"], REALM["otpPolicyPeriod"]) == ("totp", 6, 30)
    configs = {c["alias"]: c["config"] for c in REALM["authenticatorConfig"]}
    browser = REALM["browserFlow"]
    conditional = [e for e in subflows(browser) if e["authenticatorFlow"] and e["requirement"] == "CONDITIONAL"]
    by_role = {}
    for execution in conditional:
        steps = flow(execution["flowAlias"])["authenticationExecutions"]
        condition = next(s for s in steps if s.get("authenticator") == "conditional-user-role")
        assert condition["requirement"] == "REQUIRED" and configs[condition["authenticatorConfig"]]["negate"] == "false"
        assert any(s.get("authenticator") == "auth-otp-form" and s["requirement"] == "REQUIRED" for s in steps)
        by_role[configs[condition["authenticatorConfig"]]["condUserRole"]] = execution
    assert set(by_role) == PRIVILEGED_ROLES
    password = next(e for e in subflows(browser) if e.get("authenticator") == "auth-username-password-form")
    assert password["requirement"] == "REQUIRED"
    assert next(a for a in REALM["requiredActions"] if a["alias"] == "CONFIGURE_TOTP")["enabled"] is True


@pytest.mark.parametrize("person", [u for u in people() if PRIVILEGED_ROLES & set(u["realmRoles"])],
                         ids=lambda u: u["username"])
def test_privileged_people_set_up_totp_on_first_login(person: dict) -> None:
    assert "CONFIGURE_TOTP" in person["requiredActions"]


def test_failed_logins_lock_the_account_and_sessions_time_out() -> None:
    assert REALM["bruteForceProtected"] is True and REALM["failureFactor"] <= 5
    assert REALM["waitIncrementSeconds"] > 0 and REALM["maxFailureWaitSeconds"] >= REALM["waitIncrementSeconds"]
    assert REALM["ssoSessionIdleTimeout"] == 30 * 60 and REALM["ssoSessionMaxLifespan"] == 8 * 3600
    assert REALM["accessTokenLifespan"] <= 5 * 60
    assert REALM["revokeRefreshToken"] is True and REALM["refreshTokenMaxReuse"] == 0
    assert REALM["registrationAllowed"] is False


def test_login_and_admin_events_are_stored_for_six_months() -> None:
    assert REALM["eventsEnabled"] is True and REALM["adminEventsEnabled"] is True
    assert {"LOGIN", "LOGIN_ERROR", "LOGOUT", "CLIENT_LOGIN", "CLIENT_LOGIN_ERROR", "UPDATE_PASSWORD"} <= set(
        REALM["enabledEventTypes"]
    )
    assert REALM["eventsExpiration"] >= 180 * 24 * 3600  # 网络安全法: logs kept at least six months


def test_no_secret_is_written_in_the_realm() -> None:
    for definition in REALM["clients"]:
        assert "secret" not in definition or PLACEHOLDER.match(definition["secret"]), definition["clientId"]
    assert not [u["username"] for u in REALM["users"] if "credentials" in u]


def placeholders_in_the_realm() -> set[str]:
    text = (REPO_ROOT / "deploy" / "keycloak" / "bancheng-realm.json").read_text(encoding="utf-8")
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))


def test_compose_imports_this_realm_into_keycloak_with_its_own_database() -> None:
    keycloak = COMPOSE["services"]["keycloak"]
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:")
    assert keycloak["command"][0] == "start" and "--import-realm" in keycloak["command"]
    assert (
        "./deploy/keycloak/bancheng-realm.json:/opt/keycloak/data/import/bancheng-realm.json:ro" in keycloak["volumes"]
    )
    env = keycloak["environment"]
    assert env["KC_DB"] == "postgres" and env["KC_DB_URL"] == "jdbc:postgresql://keycloak-db:5432/keycloak"
    assert COMPOSE["services"]["keycloak-db"]["environment"]["POSTGRES_DB"] == "keycloak"
    for variable in ("KC_BOOTSTRAP_ADMIN_USERNAME", "KC_BOOTSTRAP_ADMIN_PASSWORD", "KC_DB_PASSWORD"):
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", env[variable]), variable  # from .env, never a default
    assert placeholders_in_the_realm() <= set(env), "every placeholder of the realm file is given to Keycloak"
    assert all(port.startswith("127.0.0.1:") for port in keycloak["ports"])  # the admin console stays local


@pytest.mark.parametrize("service", ["intake", "routing", "sla", "notify", "audit"])
def test_services_trust_the_realm_issuer(service: str) -> None:
    env = COMPOSE["services"][service]["environment"]
    hostname = COMPOSE["services"]["keycloak"]["environment"]["KC_HOSTNAME"]
    assert env["BANCHENG_AUTH_ISSUER"] == f"{hostname}/realms/bancheng"
    assert env["BANCHENG_AUTH_AUDIENCE"] == "bancheng"
    assert env["BANCHENG_AUTH_JWKS_URL"] == "http://keycloak:8080/realms/bancheng/protocol/openid-connect/certs"


def test_gateway_serves_the_realm_but_not_the_master_realm() -> None:
    gateway = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"location /realms/\s+\{ proxy_pass http://keycloak:8080;", gateway)
    assert re.search(r"location /realms/master/ \{ return 404; \}", gateway)
    assert "/admin" not in gateway
