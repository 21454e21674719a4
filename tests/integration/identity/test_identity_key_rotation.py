"""`python -m services.identity rotate-keys`: new tokens carry the new key's kid; tokens of the old key keep
verifying while it is listed in the JWKS, and it leaves the set once they have expired."""

import asyncio
import os
import sys
import time

from sqlmodel import select

from shared.settings import REPO_ROOT
from services.identity.store import SigningKey
from tests.integration.identity.conftest import HOTLINE_SECRET, SECRET, Identity, StartIdentity

SYSTEM = ({"grant_type": "client_credentials"}, ("hotline12345", HOTLINE_SECRET))


async def run_cli(identity: Identity, *args: str) -> tuple[int, str]:
    environment = {**os.environ, "BANCHENG_IDENTITY_DATABASE_URL": identity.settings.database_url,
                   "BANCHENG_IDENTITY_SIGNING_SECRET": SECRET, "BANCHENG_IDENTITY_ENVIRONMENT": "test"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.identity", *args, cwd=REPO_ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def jwks_kids(identity: Identity) -> list[str]:
    async with identity.browser() as client:
        return [key["kid"] for key in (await client.get("/.well-known/jwks.json")).json()["keys"]]


async def test_a_rotated_key_signs_new_tokens_and_the_old_stays_listed_until_its_tokens_expire(
    start_identity: StartIdentity,
) -> None:
    identity = await start_identity(access_token_ttl_s=20, id_token_ttl_s=20, key_retirement_grace_s=0)
    old_token = (await identity.token(*SYSTEM)).json()["access_token"]
    old_kid = (await identity.verify(old_token))["header"]["kid"]
    assert await jwks_kids(identity) == [old_kid]

    code, output = await run_cli(identity, "rotate-keys")
    assert code == 0, output
    rotated_at = time.monotonic()

    new_claims = await identity.verify((await identity.token(*SYSTEM)).json()["access_token"])
    new_kid = new_claims["header"]["kid"]
    assert new_kid != old_kid and new_kid in output
    assert set(await jwks_kids(identity)) == {old_kid, new_kid}
    assert (await identity.verify(old_token))["sub"] == "hotline12345"  # still verifies while listed

    while old_kid in await jwks_kids(identity):  # retired: gone once the last token it signed has expired
        assert time.monotonic() - rotated_at < 90
        await asyncio.sleep(0.5)
    assert time.monotonic() - rotated_at >= 15
    assert await jwks_kids(identity) == [new_kid]


async def test_the_jwks_holds_public_keys_only(identity: Identity) -> None:
    async with identity.browser() as client:
        keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert keys and all(key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" for key in keys)
    assert not any(private in key for key in keys for private in ("d", "p", "q", "dp", "dq", "qi"))


async def test_a_private_key_is_stored_sealed(identity: Identity) -> None:
    async with identity.runtime.sessions() as session:
        rows = (await session.exec(select(SigningKey))).all()
    assert rows and not any("PRIVATE KEY" in row.private_key_sealed for row in rows)
