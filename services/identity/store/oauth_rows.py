"""What one OAuth request may touch, loaded before authlib decides on it without I/O (domain/oauth.py)."""

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.identity.domain.oauth import Loaded
from services.identity.store import keys
from services.identity.store.sealing import Sealer
from services.identity.store.tables import Account, AuthorizationCode, Client, LoginSession, RefreshToken, digest


async def for_authorization(session: AsyncSession, *, pairs: list[tuple[str, str]], now: datetime) -> Loaded:
    """The client an authorization request names, and whether its nonce was seen before."""
    data = dict(pairs)
    loaded = Loaded(now=now)
    if client := await session.get(Client, data.get("client_id", "")):
        loaded.clients[client.client_id] = client
        if nonce := data.get("nonce"):
            statement = select(AuthorizationCode).where(AuthorizationCode.client_id == client.client_id,
                                                        AuthorizationCode.nonce == nonce)
            loaded.nonce_seen = (await session.exec(statement)).first() is not None
    return loaded


async def for_token(
    session: AsyncSession, *, sealer: Sealer, client_id: str | None, pairs: list[tuple[str, str]], token_field: str,
    now: datetime,
) -> Loaded:
    """The signer, the client, the code or refresh token (`token_field`) presented, its session and account."""
    data = dict(pairs)
    loaded = Loaded(now=now, signer=await keys.signer(session, sealer))
    if client_id and (client := await session.get(Client, client_id)):
        loaded.clients[client.client_id] = client
    session_id = account_id = None
    if data.get("grant_type") == "authorization_code" and data.get("code"):
        # Locked (PostgreSQL) so two exchanges of one code, or two uses of one refresh token, run one by one.
        loaded.code = await session.get(AuthorizationCode, digest(data["code"]), with_for_update=True)
        if loaded.code:
            session_id, account_id = loaded.code.session_id, loaded.code.account_id
    elif data.get(token_field):
        loaded.refresh = await session.get(RefreshToken, digest(data[token_field]), with_for_update=True)
        if loaded.refresh:
            session_id, account_id = loaded.refresh.session_id, loaded.refresh.account_id
    if session_id and (login := await session.get(LoginSession, session_id)):
        loaded.sessions[login.id] = login
    if account_id and (account := await session.get(Account, account_id)):
        loaded.accounts[account.id] = account
    return loaded
