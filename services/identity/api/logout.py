"""The end-session endpoint (/logout): the browser's login session ends, its refresh tokens are revoked."""

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from shared.consuming import Unit
from services.identity.api import pages
from services.identity.api.deps import COOKIE, LoginCookieDep, RuntimeDep, basic_credentials, form_pairs
from services.identity.domain.oauth_models import OAuthClient
from services.identity.store import logins
from services.identity.store.tables import Client, LoginSession, RefreshToken, digest
from services.identity.store.transactions import transaction

router = APIRouter(tags=["oidc"])


@router.get("/logout", response_class=Response, openapi_extra=PUBLIC)
@router.post("/logout", response_class=Response, openapi_extra=PUBLIC)
async def logout(request: Request, runtime: RuntimeDep, session_cookie: LoginCookieDep = None) -> Response:
    """End the browser's login session (its cookie) and revoke its refresh tokens; a client may instead post
    a refresh token with its credentials (the console's server does, holding the tokens)."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        pairs += await form_pairs(request)
    data, now = dict(pairs), datetime.now(UTC)
    async with transaction(runtime) as unit:
        login = await logins.session_of_cookie(unit.session, session_cookie)
        if login is None and data.get("refresh_token"):
            login = await _session_of_client_token(unit, request, data["refresh_token"])
        if login is not None and login.ended_at is None:
            await logins.end_session(unit, login, now=now)
        redirect = await _post_logout_redirect(unit, data)
    response: Response = RedirectResponse(redirect, status_code=303) if redirect else pages.logged_out_page()
    response.delete_cookie(COOKIE, path="/")
    return response


async def _session_of_client_token(unit: Unit, request: Request, refresh_token: str) -> LoginSession | None:
    """The session of a refresh token, when the client that holds it authenticates (Basic)."""
    row = await unit.session.get(RefreshToken, digest(refresh_token))
    client = await unit.session.get(Client, row.client_id) if row else None
    credentials = basic_credentials(request.headers)
    if row is None or client is None or credentials is None:
        return None
    client_id, secret = credentials
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
