"""The token, revocation, userinfo and logout endpoints."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Cookie, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.events.identity import SystemTokenIssued
from shared.health import RuntimeDep
from services.identity import accounts, keys, pages
from services.identity.authorize_api import COOKIE
from services.identity.config import IdentitySettings
from services.identity.oauth import Loaded, Server
from services.identity.oauth import Request as OAuthRequest
from services.identity.oauth_models import OAuthClient
from services.identity.sealing import Sealer
from services.identity.store import Account, AuthorizationCode, Client, LoginSession, RefreshToken, digest
from services.identity.transactions import transaction

router = APIRouter(tags=["oidc"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def basic_client_id(headers: Any) -> str | None:
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(auth[6:]).decode().split(":", 1)[0] or None
    except (binascii.Error, UnicodeDecodeError):
        return None


async def _form(request: Request) -> list[tuple[str, str]]:
    return [(name, value) for name, value in (await request.form()).multi_items() if isinstance(value, str)]


async def _load(unit: Unit, request: Request, pairs: list[tuple[str, str]], *, token_field: str) -> Loaded:
    data = dict(pairs)
    loaded = Loaded(now=datetime.now(UTC), signer=await keys.signer(unit.session, _sealer(request)))
    client_id = basic_client_id(request.headers) or data.get("client_id")
    if client_id and (client := await unit.session.get(Client, client_id)):
        loaded.clients[client.client_id] = client
    session_id = account_id = None
    if data.get("grant_type") == "authorization_code" and data.get("code"):
        # Locked (PostgreSQL) so two exchanges of one code, or two uses of one refresh token, run one by one.
        loaded.code = await unit.session.get(AuthorizationCode, digest(data["code"]), with_for_update=True)
        if loaded.code:
            session_id, account_id = loaded.code.session_id, loaded.code.account_id
    elif data.get(token_field):
        loaded.refresh = await unit.session.get(RefreshToken, digest(data[token_field]), with_for_update=True)
        if loaded.refresh:
            session_id, account_id = loaded.refresh.session_id, loaded.refresh.account_id
    if session_id and (login := await unit.session.get(LoginSession, session_id)):
        loaded.sessions[login.id] = login
    if account_id and (account := await unit.session.get(Account, account_id)):
        loaded.accounts[account.id] = account
    return loaded


def _sealer(request: Request) -> Sealer:
    return accounts.sealer_for(request.app.state.runtime.settings.signing_secret)


def _oauth_request(settings: IdentitySettings, request: Request, path: str, pairs: list) -> OAuthRequest:
    return OAuthRequest("POST", f"{settings.issuer}{path}", request.headers, pairs)


@router.post("/token", openapi_extra=PUBLIC)
async def token(request: Request, runtime: RuntimeDep) -> Response:
    """authorization_code (with the PKCE verifier), refresh_token (rotated), client_credentials."""
    settings: IdentitySettings = runtime.settings
    pairs = await _form(request)
    async with transaction(runtime) as unit:
        loaded = await _load(unit, request, pairs, token_field="refresh_token")
        server = Server(settings, loaded)
        status, body, headers = server.create_token_response(_oauth_request(settings, request, "/token", pairs))
        if loaded.code is not None and loaded.code.used:
            unit.session.add(loaded.code)
        unit.session.add_all([*loaded.new_refresh_tokens, *loaded.revoked, *loaded.sessions.values()])
        if status == 200 and dict(pairs).get("grant_type") == "client_credentials":
            await _system_token_issued(unit, loaded, body)
        elif status != 200 and loaded.refresh is not None and loaded.refresh.revoked_reason == "rotated":
            # A rotated refresh token came back: it was copied. End the session it belongs to (RFC 9700 4.14).
            if login := loaded.sessions.get(loaded.refresh.session_id):
                await accounts.end_session(unit, login, now=loaded.now, reason="reused")
    return JSONResponse(body, status_code=status, headers={**dict(headers), **NO_STORE})


async def _system_token_issued(unit: Unit, loaded: Loaded, body: dict) -> None:
    client = next(iter(loaded.clients.values()))
    claims = {key: value for issued in loaded.issued for key, value in issued.items()}
    await accounts.emit(unit, SystemTokenIssued(client_id=client.client_id, roles=claims.get("roles", []),
                                                department=client.department, token_id=claims.get("jti", ""),
                                                expires_in=body.get("expires_in", 0)),
                        subject=f"client:{client.client_id}", district=client.district,
                        actor=Principal(subject=client.client_id, name=client.name, kind="system",
                                        roles=frozenset({client.role} if client.role else ()),
                                        district=client.district, department=client.department))


@router.post("/revoke", openapi_extra=PUBLIC)
async def revoke(request: Request, runtime: RuntimeDep) -> Response:
    """RFC 7009: a client revokes one of its refresh tokens (an unknown token is answered 200 all the same)."""
    settings: IdentitySettings = runtime.settings
    pairs = await _form(request)
    async with transaction(runtime) as unit:
        loaded = await _load(unit, request, pairs, token_field="token")
        server = Server(settings, loaded)
        status, body, headers = server.create_endpoint_response(
            "revocation", _oauth_request(settings, request, "/revoke", pairs))
        unit.session.add_all(loaded.revoked)
    return JSONResponse(body, status_code=status, headers={**dict(headers), **NO_STORE})


async def verified_claims(
    session: AsyncSession, settings: IdentitySettings, authorization: str | None
) -> dict[str, Any]:
    """The claims of a bearer access token this issuer signed (RS256 only), or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(401, "需要访问令牌 / a bearer access token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    jwks = await keys.published(session, now=datetime.now(UTC), 
                                kept_after_retirement=settings.key_kept_after_retirement)
    try:
        decoded = jwt.decode(authorization[7:].strip(), KeySet.import_key_set(jwks), algorithms=["RS256"])
        JWTClaimsRegistry(iss={"essential": True, "value": settings.issuer},
                          aud={"essential": True, "value": settings.audience},
                          exp={"essential": True}).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise HTTPException(401, f"访问令牌无效 / invalid access token: {error}",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from error
    return decoded.claims


USERINFO_CLAIMS = ("sub", "name", "preferred_username", "roles", "district", "hall", "department")


@router.get("/userinfo", openapi_extra=PUBLIC)
async def userinfo(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """The person (or system) a bearer access token speaks for."""
    async with runtime.sessions() as session:
        claims = await verified_claims(session, runtime.settings, request.headers.get("authorization"))
    return {name: claims[name] for name in USERINFO_CLAIMS if name in claims}


@router.get("/logout", response_class=Response, openapi_extra=PUBLIC)
@router.post("/logout", response_class=Response, openapi_extra=PUBLIC)
async def logout(request: Request, runtime: RuntimeDep,
                 session_cookie: Annotated[str | None, Cookie(alias=COOKIE)] = None) -> Response:
    """End the browser's login session (its cookie) and revoke its refresh tokens; a client may instead post
    a refresh token with its credentials (the console's server does, holding the tokens)."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        pairs += await _form(request)
    data, now = dict(pairs), datetime.now(UTC)
    async with transaction(runtime) as unit:
        login = await accounts.session_of_cookie(unit.session, session_cookie)
        if login is None and data.get("refresh_token"):
            login = await _session_of_client_token(unit, request, data["refresh_token"])
        if login is not None and login.ended_at is None:
            await accounts.end_session(unit, login, now=now)
        redirect = await _post_logout_redirect(unit, data)
    response: Response = RedirectResponse(redirect, status_code=303) if redirect else pages.logged_out_page()
    response.delete_cookie(COOKIE, path="/")
    return response


async def _session_of_client_token(unit: Unit, request: Request, refresh_token: str) -> LoginSession | None:
    """The session of a refresh token, when the client that holds it authenticates (Basic)."""
    row = await unit.session.get(RefreshToken, digest(refresh_token))
    client = await unit.session.get(Client, row.client_id) if row else None
    auth = request.headers.get("authorization", "")
    if row is None or client is None or not auth.lower().startswith("basic "):
        return None
    try:
        client_id, secret = base64.b64decode(auth[6:]).decode().split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if client_id != client.client_id or not OAuthClient(client).check_client_secret(secret):
        return None
    return await unit.session.get(LoginSession, row.session_id)


async def _post_logout_redirect(unit: Unit, data: dict[str, str]) -> str | None:
    """Only to an origin of one of the named client's registered redirect URIs (never an open redirect)."""
    target, client_id = data.get("post_logout_redirect_uri"), data.get("client_id")
    if not target or not client_id or not (client := await unit.session.get(Client, client_id)):
        return None
    origins = {urlsplit(uri)._replace(path="", query="", fragment="").geturl() for uri in client.redirect_uris}
    if urlsplit(target)._replace(path="", query="", fragment="").geturl() not in origins:
        return None
    return f"{target}?{urlencode({'state': data['state']})}" if data.get("state") else target

