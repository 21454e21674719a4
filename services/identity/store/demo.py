"""The demo district's org units, people and clients (services/identity/data/demo.yaml), seeded idempotently:
what exists stays (a changed demo password is not reset); clients take the configured secrets and
redirect URIs each time. Refused in production."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.identity.config import IdentitySettings
from services.identity.store import directory
from services.identity.store.tables import Account

DEMO = Path(__file__).parents[1] / "data" / "demo.yaml"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    totp_secret: str | None


def demo_data() -> dict[str, Any]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def demo_users() -> list[DemoUser]:
    return [DemoUser(user["username"], user["role"], user["password"], user.get("totp_secret"))
            for user in demo_data()["users"]]


async def seed(session: AsyncSession, settings: IdentitySettings) -> None:
    if settings.environment == "production":
        raise ValueError("the demo users and clients are never seeded in production")
    data = demo_data()
    district = data["district"]["code"]
    await directory.add_org_unit(session, district=district, kind="district", code=district,
                                 name=data["district"]["name"])
    for kind, key in (("hall", "halls"), ("department", "departments")):
        for unit in data[key]:
            await directory.add_org_unit(session, district=district, kind=kind, code=unit["code"], name=unit["name"])
    await session.flush()
    existing = set((await session.exec(select(Account.username))).all())
    for user in data["users"]:
        if user["username"] not in existing:
            await directory.add_user(session, settings, username=user["username"], display_name=user["name"],
                                     role=user["role"], district=district, password=user["password"],
                                     hall=user.get("hall"), department=user.get("department"),
                                     totp_secret=user.get("totp_secret"))
    await directory.put_client(session, client_id="console", name="办成工作台 Bancheng console",
                               secret=settings.console_client_secret,
                               grant_types=["authorization_code", "refresh_token"],
                               redirect_uris=settings.console_redirect_uris, scope="openid profile", district=district)
    await directory.put_client(session, client_id="hotline12345", name="12345 政务服务便民热线",
                               secret=settings.hotline12345_client_secret, grant_types=["client_credentials"],
                               role="hotline12345", district=district)
    for department in data["departments"]:
        await directory.put_client(session, client_id=f"dept-{department['code']}",
                                   name=f"{department['name']} 业务系统", secret=settings.dept_client_secret,
                                   grant_types=["client_credentials"], role="dept_system", district=district,
                                   department=department["code"])
