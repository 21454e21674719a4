"""Refresh tokens rotate on every use, die with their login session (logout, idle and absolute timeouts),
and a copied (already rotated) one ends the session."""

import asyncio
import time

import pytest

from tests.conftest import DATABASES
from tests.integration.identity.conftest import CONSOLE_SECRET, Identity, StartIdentity

CLERK = ("clerk.demo", "Window#Desk2026")
CONSOLE = ("console", CONSOLE_SECRET)


async def refresh(identity: Identity, token: str):
    return await identity.token({"grant_type": "refresh_token", "refresh_token": token}, CONSOLE)


async def test_a_refresh_token_is_rotated_and_the_old_one_refused(identity: Identity) -> None:
    first = (await identity.sign_in(*CLERK))["refresh_token"]
    response = await refresh(identity, first)
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first
    assert (await identity.verify(second["access_token"]))["roles"] == ["window_clerk"]
    reused = await refresh(identity, first)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # the copy came back: the whole session ends, the rotated token with it
    assert (await refresh(identity, second["refresh_token"])).status_code == 400


async def test_only_the_client_it_was_issued_to_may_use_a_refresh_token(identity: Identity) -> None:
    token = (await identity.sign_in(*CLERK))["refresh_token"]
    response = await identity.token({"grant_type": "refresh_token", "refresh_token": token},
                                    ("hotline12345", "hotline-secret-for-tests"))
    assert response.status_code in (400, 401)


async def test_logout_ends_the_session_and_revokes_its_refresh_tokens(identity: Identity) -> None:
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(*CLERK)
        tokens = (await identity.exchange(login, login.code())).json()
        out = await browser.get("/logout")
        assert out.status_code == 200 and "已退出" in out.text
        again = identity.login(browser)
        page = await again.open()
        assert page.status_code == 200 and 'name="password"' in page.text  # asked for the password again
    assert (await refresh(identity, tokens["refresh_token"])).status_code == 400


async def test_the_console_server_logs_out_with_the_refresh_token_it_holds(identity: Identity) -> None:
    tokens = await identity.sign_in(*CLERK)
    async with identity.browser() as client:
        out = await client.post("/logout", data={"refresh_token": tokens["refresh_token"]}, auth=CONSOLE)
    assert out.status_code == 200
    assert (await refresh(identity, tokens["refresh_token"])).status_code == 400


async def test_revocation_endpoint_revokes_a_refresh_token(identity: Identity) -> None:
    tokens = await identity.sign_in(*CLERK)
    async with identity.browser() as client:
        revoked = await client.post("/revoke", data={"token": tokens["refresh_token"]}, auth=CONSOLE)
    assert revoked.status_code == 200
    assert (await refresh(identity, tokens["refresh_token"])).status_code == 400


async def test_an_idle_session_times_out(start_identity: StartIdentity) -> None:
    identity = await start_identity(session_idle_timeout_s=3, session_absolute_timeout_s=60)
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(*CLERK)
        tokens = (await identity.exchange(login, login.code())).json()
        within = await refresh(identity, tokens["refresh_token"])  # a use within the idle time
        assert within.status_code == 200
        used = time.monotonic()
        token = within.json()["refresh_token"]
        while time.monotonic() - used < 3.5:  # left idle past the timeout
            await asyncio.sleep(0.1)
        assert (await refresh(identity, token)).status_code == 400
        page = await identity.login(browser).open()
    assert 'name="password"' in page.text


async def test_a_session_ends_at_its_absolute_timeout_however_busy(start_identity: StartIdentity) -> None:
    identity = await start_identity(session_idle_timeout_s=3, session_absolute_timeout_s=5)
    started = time.monotonic()  # the session starts after this, at the login
    token = (await identity.sign_in(*CLERK))["refresh_token"]
    while True:  # used every half second, never idle, until the absolute end
        await asyncio.sleep(0.5)
        response = await refresh(identity, token)
        if response.status_code != 200:
            break
        token = response.json()["refresh_token"]
        assert time.monotonic() - started < 20, "the session outlived its absolute timeout"
    assert response.status_code == 400 and time.monotonic() - started >= 5


@pytest.mark.parametrize("kind", DATABASES)
async def test_two_uses_of_one_refresh_token_at_once_give_one_new_token(
    start_identity: StartIdentity, kind: str
) -> None:
    identity = await start_identity(kind)
    token = (await identity.sign_in(*CLERK))["refresh_token"]
    answers = await asyncio.gather(*(refresh(identity, token) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 400, 400, 400]
