"""A district's administrator manages its people over `/accounts` (账号管理): lists them, adds one with a temporary
password changed at the first login, moves one to another role and unit, disables one, resets one; bad input
names the field; another district's accounts and the privileged roles stay out of reach; audit's log holds who
did each change, over the real broker."""

import httpx
import pytest

from shared.runtime import Runtime
from tests.integration.identity.conftest import Identity
from tests.integration.identity.test_identity_events_reach_audit import audit, timeline  # noqa: F401 - a fixture

DISTRICT_ADMIN = ("districtadmin.demo", "District#Admin2026", "DISTRICTADMINDEMOBANCHENGTOTPAAA")


@pytest.fixture
async def admin(identity: Identity) -> httpx.AsyncClient:
    token = (await identity.sign_in(*DISTRICT_ADMIN))["access_token"]
    return httpx.AsyncClient(base_url=identity.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


async def test_the_district_admin_lists_the_district_s_people_without_secrets(
    identity: Identity, admin: httpx.AsyncClient
) -> None:
    async with admin:
        page = (await admin.get("/accounts", params={"limit": 200})).json()
        clerks = (await admin.get("/accounts", params={"role": "window_clerk"})).json()["items"]
        units = (await admin.get("/org-units")).json()
    usernames = {item["username"] for item in page["items"]}
    assert {"clerk.demo", "handler.market", "supervisor.demo"} <= usernames
    assert all(item["district"] == "demo" for item in page["items"])
    assert {item["role"] for item in clerks} == {"window_clerk"}
    assert not any(key in item for item in page["items"] for key in ("password_hash", "totp_secret_sealed"))
    assert {"kind": "hall", "code": "DEMO", "name": next(u["name"] for u in units if u["code"] == "DEMO")} in units
    assert "market" in {u["code"] for u in units if u["kind"] == "department"}


async def test_an_added_clerk_signs_in_with_the_temporary_password_and_must_change_it(
    identity: Identity, admin: httpx.AsyncClient
) -> None:
    async with admin:
        added = await admin.post("/accounts", json={"username": "clerk.wang", "display_name": "王窗口",
                                                    "role": "window_clerk", "hall": "DEMO"})
    assert added.status_code == 201, added.text
    issued = added.json()
    assert issued["account"]["must_change_password"] and issued["totp_secret"] is None
    async with identity.browser() as browser:
        login = identity.login(browser)
        await login.open()
        step = await login.password("clerk.wang", issued["temporary_password"])
    assert step.status_code == 200 and "首次登录须修改密码" in step.text


async def test_an_added_supervisor_gets_a_second_factor_secret_shown_once(admin: httpx.AsyncClient) -> None:
    async with admin:
        added = await admin.post("/accounts", json={"username": "supervisor.li", "display_name": "李督办",
                                                    "role": "supervisor"})
        listed = (await admin.get("/accounts", params={"role": "supervisor"})).json()["items"]
    assert added.status_code == 201 and len(added.json()["totp_secret"]) >= 16
    assert next(a for a in listed if a["username"] == "supervisor.li")["second_factor"] is True
    assert "totp_secret" not in listed[0]


async def test_bad_accounts_are_refused_naming_the_field(admin: httpx.AsyncClient) -> None:
    async with admin:
        privileged = await admin.post("/accounts", json={"username": "boss.x", "display_name": "X",
                                                         "role": "district_admin"})
        no_hall = await admin.post("/accounts", json={"username": "clerk.nohall", "display_name": "X",
                                                      "role": "window_clerk"})
        unknown = await admin.post("/accounts", json={"username": "handler.x", "display_name": "X",
                                                      "role": "dept_handler", "department": "nowhere"})
        taken = await admin.post("/accounts", json={"username": "clerk.demo", "display_name": "X",
                                                    "role": "window_clerk", "hall": "DEMO"})
        stray = await admin.post("/accounts", json={"username": "clerk.y", "display_name": "X",
                                                    "role": "window_clerk", "hall": "DEMO", "password": "x"})
        listed = (await admin.get("/accounts", params={"limit": 500})).json()["items"]
    assert fields(privileged) == {"role"} and "只能授予" in privileged.json()["errors"][0]["zh"]
    assert fields(no_hall) == {"hall"}
    assert fields(unknown) == {"department"}
    assert fields(taken) == {"username"}
    assert fields(stray) == {"password"}  # no field the API does not know, a password least of all
    assert not {"boss.x", "clerk.nohall", "handler.x", "clerk.y"} & {a["username"] for a in listed}


async def test_a_moved_then_disabled_account_cannot_sign_in_and_a_reset_lets_it_back(
    identity: Identity, admin: httpx.AsyncClient, audit: Runtime  # noqa: F811 - the imported fixture
) -> None:
    async with admin:
        added = (await admin.post("/accounts", json={"username": "clerk.zhao", "display_name": "赵窗口",
                                                     "role": "window_clerk", "hall": "DEMO"})).json()
        account_id = added["account"]["id"]
        moved = await admin.patch(f"/accounts/{account_id}", json={"role": "dept_handler", "department": "market"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["account"]["hall"] is None and moved.json()["account"]["department"] == "market"
        disabled = await admin.patch(f"/accounts/{account_id}", json={"disabled": True})
        assert disabled.json()["account"]["disabled"] is True
        async with identity.browser() as browser:
            login = identity.login(browser)
            await login.open()
            refused = await login.password("clerk.zhao", added["temporary_password"])
        assert "location" not in refused.headers  # no code for a disabled account
        enabled = await admin.patch(f"/accounts/{account_id}", json={"disabled": False})
        reset = await admin.post(f"/accounts/{account_id}/reset")
        assert enabled.status_code == reset.status_code == 200
        assert reset.json()["temporary_password"] != added["temporary_password"]
    entries = await timeline(identity, audit, "user:clerk.zhao",
                             until={"identity.account_added", "identity.account_changed", "identity.account_reset"})
    changes = [e for e in entries if e["type"] == "identity.account_changed"]
    assert [e["data"]["changed"] for e in changes] == [["role", "hall", "department"], ["disabled"], ["disabled"]]
    assert all(e["actor_detail"]["roles"] == ["district_admin"] and e["actor_detail"]["name"] == "演示区管理员"
               for e in changes)


async def test_others_cannot_manage_accounts_nor_reach_another_district_s(
    identity: Identity, admin: httpx.AsyncClient
) -> None:
    clerk = (await identity.sign_in("clerk.demo", "Window#Desk2026"))["access_token"]
    async with httpx.AsyncClient(base_url=identity.url, headers={"Authorization": f"Bearer {clerk}"}) as client:
        assert (await client.get("/accounts")).status_code == 403
        assert (await client.post("/accounts", json={"username": "a.b.c", "display_name": "X",
                                                     "role": "window_clerk", "hall": "DEMO"})).status_code == 403
    async with httpx.AsyncClient(base_url=identity.url) as anonymous:
        assert (await anonymous.get("/accounts")).status_code == 401
    async with admin:
        ids = {a["username"]: a["id"] for a in (await admin.get("/accounts", params={"limit": 500})).json()["items"]}
        own = await admin.patch(f"/accounts/{ids['districtadmin.demo']}", json={"display_name": "我"})
        peer = await admin.post(f"/accounts/{ids['sysadmin.demo']}/reset")
        elsewhere = await admin.patch("/accounts/0193f0aa-0000-7000-8000-000000000000", json={"disabled": True})
    assert fields(own) == {"account_id"} and fields(peer) == {"account_id"}
    assert elsewhere.status_code == 404
