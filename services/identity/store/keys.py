"""Signing keys: RS256, kept in the database with the private half sealed, rotated by command.

The newest key that is not retired signs. `rotate` adds a key and retires the others; a retired key stays
in the JWKS until every token it signed has expired (`access_token_ttl_s`, or the ID token's, plus a grace),
so a verifier that fetched the old set keeps working and one that sees the new `kid` re-fetches it.
"""

from datetime import datetime, timedelta

from joserfc.jwk import KeySet, RSAKey
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.ids import new_id
from services.identity.store.sealing import Sealer
from services.identity.store.tables import SigningKey

ALGORITHM = "RS256"
KEY_SIZE = 2048
_PURPOSE = "signing-key"


def new_key(sealer: Sealer, *, now: datetime) -> SigningKey:
    kid = new_id()
    key = RSAKey.generate_key(KEY_SIZE, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    return SigningKey(
        kid=kid,
        created_at=now,
        private_key_sealed=sealer.seal(key.as_pem(private=True), purpose=_PURPOSE),
        public_jwk=key.as_dict(private=False),
    )


async def ensure_signing_key(session: AsyncSession, sealer: Sealer, *, now: datetime) -> None:
    """A first key, when there is none that signs."""
    if await _signer_row(session) is None:
        session.add(new_key(sealer, now=now))


async def rotate(session: AsyncSession, sealer: Sealer, *, now: datetime) -> SigningKey:
    """A new key signs from now on; the others are retired (still published until their tokens expire)."""
    for row in (await session.exec(select(SigningKey).where(col(SigningKey.retired_at).is_(None)))).all():
        row.retired_at = now
        session.add(row)
    row = new_key(sealer, now=now)
    session.add(row)
    return row


async def signer(session: AsyncSession, sealer: Sealer) -> KeySet:
    """The signing key, as a one-key set (joserfc then names its `kid` in every token's header)."""
    row = await _signer_row(session)
    if row is None:
        raise LookupError("no signing key: the service creates one at start")
    pem = sealer.open(row.private_key_sealed, purpose=_PURPOSE)
    return KeySet([RSAKey.import_key(pem, parameters={"kid": row.kid, "use": "sig", "alg": ALGORITHM})])


async def published(session: AsyncSession, *, now: datetime, kept_after_retirement: timedelta) -> dict:
    """The JWKS: the signing key and the retired ones whose tokens may still be live. Public halves only."""
    statement = (
        select(SigningKey)
        .where(or_(col(SigningKey.retired_at).is_(None), col(SigningKey.retired_at) > now - kept_after_retirement))
        .order_by(col(SigningKey.created_at).desc())
    )
    return {"keys": [row.public_jwk for row in (await session.exec(statement)).all()]}


async def _signer_row(session: AsyncSession) -> SigningKey | None:
    statement = (
        select(SigningKey).where(col(SigningKey.retired_at).is_(None)).order_by(col(SigningKey.created_at).desc())
    )
    return (await session.exec(statement)).first()
