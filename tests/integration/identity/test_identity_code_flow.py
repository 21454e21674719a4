"""Authorization code + PKCE (S256) end to end, over real HTTP: the login page, the code, the token exchange,
and tokens verified as any service verifies them (discovery → JWKS → RS256)."""

import httpx
import pytest

from tests.conftest import DATABASES
from tests.integration.identity.conftest import CONSOLE_SECRET, REDIRECT_URI, Identity, StartIdentity

CLERK = ("clerk.demo", "Window#Desk2026")


@pytest.mark.parametrize("kind", DATABASES)
async def test_code_flow_with_pkce_gives_rs256_tokens_with_the_contracted_claims(
    start_identity: StartIdentity, kind: str
) -> None:
    identity = await start_identity(kind)
    async with identity.browser() as browser:
        login = identity.login(browser)
        page = await login.open()
        assert page.status_code == 200 and "用户名" in page.text and "Username" in page.text
        await login.password(*CLERK)
        response = await identity.exchange(login, login.code())
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    access = await identity.verify(tokens["access_token"])
    assert access["header"]["alg"] == "RS256" and access["header"]["kid"]
    assert access["iss"] == identity.url and access["aud"] == "bancheng"
    assert access["exp"] > access["iat"] and access["jti"] and access["sub"]
    assert access["roles"] == ["window_clerk"] and access["district"] == "demo" and access["hall"] == "DEMO"
    assert access["name"] == "演示窗口人员" and access["azp"] == "console" and access["client_id"] == "console"
    assert "department" not in access
    id_token = await identity.verify(tokens["id_token"])
    assert id_token["aud"] == ["console"] and id_token["nonce"] == login.params["nonce"]
    assert id_token["sub"] == access["sub"] and id_token["amr"] == ["pwd"]


async def test_a_department_person_carries_the_department(identity: Identity) -> None:
    tokens = await identity.sign_in("head.market", "Head#Market2026")
    access = await identity.verify(tokens["access_token"])
    assert access["roles"] == ["dept_head"] and access["department"] == "market" and "hall" not in access


async def test_userinfo_answers_for_the_bearer_of_an_access_token(identity: Identity) -> None:
    tokens = await identity.sign_in(*CLERK)
    async with identity.browser() as client:
        info = (await client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
        refused = await client.get("/userinfo", headers={"Authorization": "Bearer not.a.token"})
    assert info["preferred_username"] == "clerk.demo" and info["roles"] == ["window_clerk"]
    assert refused.status_code == 401


@pytest.mark.parametrize("pkce", [
    pytest.param({"code_challenge": None, "code_challenge_method": None}, id="no challenge"),
    pytest.param({"code_challenge_method": "plain"}, id="plain method"),
    pytest.param({"code_challenge_method": None}, id="no method"),
])
async def test_an_authorization_request_without_s256_pkce_is_refused(identity: Identity, pkce: dict) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser)
        login.params.update(pkce)
        login.params = {name: value for name, value in login.params.items() if value is not None}
        response = await login.open()
    assert response.status_code == 302  # back to the (registered) client with the error
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(REDIRECT_URI)
    assert location.params["error"] == "invalid_request" and "code" not in location.params


@pytest.mark.parametrize("verifier", [
    pytest.param("", id="missing"),
    pytest.param("x" * 64, id="wrong"),
])
async def test_a_code_is_refused_without_its_verifier(identity: Identity, verifier: str) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(*CLERK)
        code = login.code()
        refused = await identity.exchange(login, code, verifier=verifier)
        assert refused.status_code == 400
        assert refused.json()["error"] in ("invalid_request", "invalid_grant")
        assert "access_token" not in refused.json()


async def test_a_code_is_used_once(identity: Identity) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(*CLERK)
        code = login.code()
        assert (await identity.exchange(login, code)).status_code == 200
        again = await identity.exchange(login, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_an_unregistered_redirect_uri_gets_a_page_not_a_redirect(identity: Identity) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser, redirect_uri="http://evil.example/steal")
        response = await login.open()
    assert response.status_code == 400 and "location" not in response.headers
    assert "请求无效" in response.text


async def test_a_wrong_client_secret_gets_no_token(identity: Identity) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(*CLERK)
        code = login.code()
        response = await browser.post("/token", auth=("console", CONSOLE_SECRET + "x"), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": login.verifier})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_a_live_login_session_gets_a_code_without_the_password_again(identity: Identity) -> None:
    async with identity.browser() as browser:
        first = identity.login(browser)
        await first.open()
        await first.password(*CLERK)
        first.code()
        second = identity.login(browser)
        await second.open()
        assert (await identity.exchange(second, second.code())).status_code == 200


async def test_discovery_names_the_endpoints_and_only_s256(identity: Identity) -> None:
    async with identity.browser() as client:
        discovery = (await client.get("/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == identity.url
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"authorization_code", "refresh_token", "client_credentials"} == set(discovery["grant_types_supported"])
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                     "revocation_endpoint", "end_session_endpoint"):
        assert discovery[endpoint].startswith(identity.url)


async def test_malformed_requests_are_refused_with_a_4xx_never_a_5xx(identity: Identity) -> None:
    async with identity.browser() as client:
        answers = [
            await client.get("/authorize"),
            await client.get("/authorize", params={"response_type": "token", "client_id": "console"}),
            await client.post("/authorize", data={"username": "x"}),
            await client.post("/authorize", data={"username": "x", "password": "y", "authorize_query": "%%%"}),
            await client.post("/authorize/totp", data={"code": "123456", "authorize_query": ""}),
            await client.post("/token", data={}),
            await client.post("/token", data={"grant_type": "authorization_code"}, auth=("console", CONSOLE_SECRET)),
            await client.post("/token", data={"grant_type": "refresh_token", "refresh_token": "nope"},
                              auth=("console", CONSOLE_SECRET)),
            await client.post("/token", data={"grant_type": "client_credentials"}, auth=("nobody", "nothing")),
            await client.post("/revoke", data={"token": "x"}),
            await client.get("/userinfo"),
        ]
    unsupported = answers.pop(1)  # a registered client is told at its registered redirect URI
    assert unsupported.status_code == 302 and "error=unsupported_response_type" in unsupported.headers["location"]
    assert all(400 <= answer.status_code < 500 for answer in answers), [a.status_code for a in answers]
