"""Privileged roles need a TOTP code after the password; repeated failures lock the account (等保三级)."""

import asyncio
import time

import pyotp

from tests.integration.identity.conftest import Identity, StartIdentity

SUPERVISOR = ("supervisor.demo", "Oversee#Demo2026", "SUPERVISORDEMOBANCHENGTOTPAAAAAA")


async def test_a_privileged_person_needs_a_right_totp_code(identity: Identity) -> None:
    username, password, secret = SUPERVISOR
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        step = await login.password(username, password)
        assert step.status_code == 200 and "动态验证码" in step.text and "location" not in step.headers
        wrong = await login.totp(_other_code(secret))
        assert wrong.status_code == 401 and "动态验证码错误" in wrong.text and "Wrong one-time code" in wrong.text
        await login.totp(pyotp.TOTP(secret).now())
        tokens = (await identity.exchange(login, login.code())).json()
    access = await identity.verify(tokens["access_token"])
    assert access["roles"] == ["supervisor"] and access["district"] == "demo"
    assert (await identity.verify(tokens["id_token"]))["amr"] == ["pwd", "otp"]


async def test_the_totp_step_cannot_be_skipped(identity: Identity) -> None:
    username, password, _secret = SUPERVISOR
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(username, password)
        # the browser holds a session cookie, but only the password passed: no code for it
        again = identity.login(browser)
        page = await again.open()
    assert page.status_code == 200 and 'name="password"' in page.text  # the password page again
    assert "location" not in page.headers


async def test_every_privileged_role_is_asked_for_a_code(identity: Identity) -> None:
    for username, password in [("districtadmin.demo", "District#Admin2026"), ("sysadmin.demo", "System#Keeper2026"),
                               ("secadmin.demo", "Secure#Warden2026"), ("auditadmin.demo", "Audit#Steward2026")]:
        async with identity.browser() as browser:
            login = identity.login(browser)
            await login.open()
            step = await login.password(username, password)
        assert step.status_code == 200 and "/authorize/totp" in step.text, username


async def test_five_failures_lock_the_account_and_the_right_password_is_refused_until_it_ends(
    start_identity: StartIdentity,
) -> None:
    identity = await start_identity(lockout_duration_s=3)
    await identity.add_user("locked.clerk", "window_clerk", "Locked#Clerk2026", hall="DEMO")
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        for attempt in range(5):
            page = await login.password("locked.clerk", f"Wrong#Guess{attempt}")
            assert page.status_code in (401, 423)
        assert page.status_code == 423 and "锁定" in page.text
        sixth = await login.password("locked.clerk", "Locked#Clerk2026")
        assert sixth.status_code == 423 and "location" not in sixth.headers
        locked_at = time.monotonic()
        while True:  # the lock lasts lockout_duration_s, then the right password passes again
            await asyncio.sleep(0.2)
            page = await login.password("locked.clerk", "Locked#Clerk2026")
            if page.status_code == 302:
                break
            assert page.status_code == 423 and time.monotonic() - locked_at < 30
    assert time.monotonic() - locked_at >= 2.5


async def test_wrong_totp_codes_count_toward_the_lockout(start_identity: StartIdentity) -> None:
    identity = await start_identity()
    username, password, secret = SUPERVISOR
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        await login.password(username, password)
        for _ in range(5):
            page = await login.totp(_other_code(secret))
        assert page.status_code == 423
        await login.open()
        refused = await login.password(username, password)
    assert refused.status_code == 423


def _other_code(secret: str) -> str:
    """A six-digit code that none of the accepted time steps gives."""
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(1000000)) if code not in accepted)
