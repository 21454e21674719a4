"""Systems get tokens by client credentials: the 12345 platform and each department's own system."""

from tests.integration.identity.conftest import CONSOLE_SECRET, DEPT_SECRET, HOTLINE_SECRET, Identity

CREDENTIALS = {"grant_type": "client_credentials"}


async def test_the_12345_platform_gets_a_system_token(identity: Identity) -> None:
    response = await identity.token(CREDENTIALS, ("hotline12345", HOTLINE_SECRET))
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    claims = await identity.verify(response.json()["access_token"])
    assert claims["sub"] == "hotline12345" and claims["roles"] == ["hotline12345"] and claims["district"] == "demo"
    assert claims["aud"] == "bancheng" and claims["azp"] == "hotline12345"


async def test_a_department_system_gets_a_token_for_its_department(identity: Identity) -> None:
    response = await identity.token(CREDENTIALS, ("dept-housing", DEPT_SECRET))
    assert response.status_code == 200, response.text
    claims = await identity.verify(response.json()["access_token"])
    assert claims["sub"] == "dept-housing" and claims["roles"] == ["dept_system"]
    assert claims["department"] == "housing"


async def test_a_wrong_secret_gets_no_token(identity: Identity) -> None:
    response = await identity.token(CREDENTIALS, ("dept-housing", "not-the-secret-at-all"))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_the_console_may_not_use_client_credentials(identity: Identity) -> None:
    response = await identity.token(CREDENTIALS, ("console", CONSOLE_SECRET))
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"
