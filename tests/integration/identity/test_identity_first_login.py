"""An account marked so changes its password at its first login; the new one must meet the policy, and the
refusal names the field in Chinese and English."""

import re

import httpx
import pyotp

from services.identity.store import directory
from tests.integration.identity.conftest import Identity, Login, hidden_query


async def post_new_password(browser: httpx.AsyncClient, login: Login, new: str, confirm: str) -> httpx.Response:
    login.page = await browser.post("/authorize/password", data={
        "new_password": new, "confirm_password": confirm, "authorize_query": hidden_query(login.page.text)})
    return login.page


def refused_fields(page: str) -> set[str]:
    return set(re.findall(r'data-field="([a-z_]+)"', page))


async def test_a_first_login_changes_the_password_under_the_policy(identity: Identity) -> None:
    await identity.add_user("new.clerk", "window_clerk", "Initial#Pass2026", hall="DEMO", must_change_password=True)
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        step = await login.password("new.clerk", "Initial#Pass2026")
        assert step.status_code == 200 and "首次登录须修改密码" in step.text and "location" not in step.headers

        short = await post_new_password(browser, login, "Ab1#", "Ab1#")
        assert short.status_code == 400 and refused_fields(short.text) == {"new_password"}
        assert "密码至少 8 位" in short.text and "must be at least 8 characters" in short.text

        named = await post_new_password(browser, login, "new.clerk#2026A", "new.clerk#2026A")
        assert (
            named.status_code == 400
            and "密码不得包含用户名" in named.text
            and "must not contain the username" in named.text
        )

        same = await post_new_password(browser, login, "Initial#Pass2026", "Initial#Pass2026")
        assert same.status_code == 400 and "must differ from the old password" in same.text

        differ = await post_new_password(browser, login, "Fresh#Start2026", "Fresh#Start2027")
        assert differ.status_code == 400 and refused_fields(differ.text) == {"confirm_password"}

        await post_new_password(browser, login, "Fresh#Start2026", "Fresh#Start2026")
        assert (await identity.exchange(login, login.code())).status_code == 200
    # the new password is the password from now on, and no change is asked for again
    assert (await identity.sign_in("new.clerk", "Fresh#Start2026"))["access_token"]


async def test_a_privileged_first_login_changes_the_password_then_gives_its_code(identity: Identity) -> None:
    secret = await identity.add_user("new.admin", "district_admin", "Initial#Pass2026", must_change_password=True)
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password("new.admin", "Initial#Pass2026")
        # the TOTP step is not open before the password is changed
        early = await browser.post("/authorize/totp", data={"code": pyotp.TOTP(secret).now(),
                                                             "authorize_query": hidden_query(login.page.text)})
        assert "location" not in early.headers
        totp_page = await post_new_password(browser, login, "Fresh#Admin2026", "Fresh#Admin2026")
        assert "/authorize/totp" in totp_page.text
        await login.totp(pyotp.TOTP(secret).now())
        assert (await identity.exchange(login, login.code())).status_code == 200



async def test_an_operator_reset_unlocks_and_asks_for_a_new_password(identity: Identity) -> None:
    await identity.add_user("reset.clerk", "window_clerk", "Before#Reset2026", hall="DEMO")
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        for _ in range(identity.settings.lockout_threshold):
            locked = await login.password("reset.clerk", "Wrong#Guess2026")
        assert locked.status_code == 423
        async with identity.runtime.sessions() as session, session.begin():
            await directory.reset_user(session, identity.settings, username="reset.clerk", password="After#Reset2026")
        step = await login.password("reset.clerk", "After#Reset2026")
        assert step.status_code == 200 and "首次登录须修改密码" in step.text
        await post_new_password(browser, login, "Mine#Again2026", "Mine#Again2026")
        assert (await identity.exchange(login, login.code())).status_code == 200
