"""The authorization endpoint (/authorize): validate the request (authlib), log the person in (password, its
first-login change, TOTP), redirect with a code."""

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from shared.consuming import Unit
from services.identity.api import pages
from services.identity.api.deps import COOKIE, LoginCookieDep, RuntimeDep, SettingsDep
from services.identity.config import IdentitySettings
from services.identity.domain import logins as rules
from services.identity.domain.oauth import Request as OAuthRequest
from services.identity.domain.oauth import Server
from services.identity.domain.oauth_models import Person
from services.identity.store import logins, oauth_rows
from services.identity.store.tables import Account, LoginSession
from services.identity.store.transactions import transaction

router = APIRouter(tags=["oidc"])


def _oauth_request(settings: IdentitySettings, request: Request, pairs: list[tuple[str, str]]) -> OAuthRequest:
    return OAuthRequest("GET", f"{settings.issuer}/authorize?{urlencode(pairs)}", request.headers, pairs)


def _error(server: Server, oauth_request: OAuthRequest, error: OAuth2Error) -> Response:
    """Back to the client when its redirect URI is known good; otherwise a page here (never an open redirect)."""
    if error.redirect_uri:
        status, _body, headers = server.handle_error_response(oauth_request, error)
        return Response(status_code=status, headers=dict(headers))
    return pages.error_page(error.error, error.description or "")


async def _issue_code(unit: Unit, settings: IdentitySettings, request: Request, pairs: list[tuple[str, str]],
                      person: Person, now: datetime) -> Response:
    loaded = await oauth_rows.for_authorization(unit.session, pairs=pairs, now=now)
    server = Server(settings, loaded)
    oauth_request = _oauth_request(settings, request, pairs)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=person)
    except OAuth2Error as error:
        return _error(server, oauth_request, error)
    status, _body, headers = server.create_authorization_response(oauth_request, grant_user=person, grant=grant)
    unit.session.add_all(loaded.new_codes)
    return Response(status_code=status, headers=dict(headers))


async def _validated(unit: Unit, settings: IdentitySettings, request: Request, pairs: list[tuple[str, str]],
                     now: datetime) -> Response | None:
    """None when the authorization request is valid; else the response that refuses it."""
    server = Server(settings, await oauth_rows.for_authorization(unit.session, pairs=pairs, now=now))
    oauth_request = _oauth_request(settings, request, pairs)
    try:
        server.get_consent_grant(oauth_request)
    except OAuth2Error as error:
        return _error(server, oauth_request, error)
    return None


def _set_cookie(response: Response, settings: IdentitySettings, value: str) -> Response:
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", secure=settings.issuer.startswith("https:"),
                        path="/")
    return response


@router.get("/authorize", response_class=Response, openapi_extra=PUBLIC)
async def authorize(request: Request, runtime: RuntimeDep, settings: SettingsDep,
                    session_cookie: LoginCookieDep = None) -> Response:
    """Authorization code + PKCE (S256): a live login session gets its code at once, others the login page."""
    pairs, now = list(request.query_params.multi_items()), datetime.now(UTC)
    async with transaction(runtime) as unit:
        if refused := await _validated(unit, settings, request, pairs, now):
            return refused
        login = await logins.session_of_cookie(unit.session, session_cookie)
        if login is not None and login.authenticated:
            if settings.timeouts.expired(started_at=login.started_at, last_seen_at=login.last_seen_at, now=now):
                await logins.end_session(unit, login, now=now, reason="expired")
            elif (account := await unit.session.get(Account, login.account_id)) and not account.disabled:
                login.last_seen_at = now
                unit.session.add(login)
                return await _issue_code(unit, settings, request, pairs, Person(account, session=login), now)
    return pages.login_page(urlencode(pairs))


@router.post("/authorize", response_class=Response, openapi_extra=PUBLIC)
async def log_in(request: Request, runtime: RuntimeDep, settings: SettingsDep,
                 username: Annotated[str, Form(max_length=150)],
                 password: Annotated[str, Form(max_length=1024)],
                 authorize_query: Annotated[str, Form(max_length=8192)]) -> Response:
    """The password step; a role that needs TOTP goes on to the code step."""
    pairs, now = parse_qsl(authorize_query), datetime.now(UTC)
    client_id = dict(pairs).get("client_id", "")
    async with transaction(runtime) as unit:
        if refused := await _validated(unit, settings, request, pairs, now):
            return refused
        outcome = await logins.check_password(unit, settings, username=username.strip(), password=password,
                                              client_id=client_id, now=now)
        if outcome.refusal or outcome.account is None:
            response: Response = pages.login_page(authorize_query, username=username, reason=outcome.refusal)
        else:
            login, cookie = logins.new_session(unit, outcome.account, client_id=client_id, now=now)
            response = await _next_step(unit, settings, request, pairs, outcome.account, login, now)
            _set_cookie(response, settings, cookie)
    return response


async def _next_step(unit: Unit, settings: IdentitySettings, request: Request, pairs: list[tuple[str, str]],
                     account: Account, login: LoginSession, now: datetime) -> Response:
    """After the password: its change when due, then TOTP when the role needs it, then the code."""
    query = urlencode(pairs)
    if account.must_change_password:
        return pages.change_password_page(query)
    if rules.needs_totp(account):
        return pages.totp_page(query)
    await logins.complete_login(unit, account, login, factors=["password"], now=now)
    return await _issue_code(unit, settings, request, pairs, Person(account, session=login), now)


@router.post("/authorize/password", response_class=Response, openapi_extra=PUBLIC)
async def first_login_password(request: Request, runtime: RuntimeDep, settings: SettingsDep,
                               new_password: Annotated[str, Form(max_length=1024)],
                               confirm_password: Annotated[str, Form(max_length=1024)],
                               authorize_query: Annotated[str, Form(max_length=8192)],
                               session_cookie: LoginCookieDep = None) -> Response:
    """The password change an account must make at its first login (when so marked)."""
    pairs, now = parse_qsl(authorize_query), datetime.now(UTC)
    async with transaction(runtime) as unit:
        if refused := await _validated(unit, settings, request, pairs, now):
            return refused
        login = await logins.session_of_cookie(unit.session, session_cookie)
        account = await unit.session.get(Account, login.account_id) if login else None
        if login is None or account is None or not rules.pending(login, now) or not account.must_change_password:
            return pages.login_page(authorize_query, reason="expired")
        if problems := await logins.change_password(unit, account, new=new_password, confirm=confirm_password):
            return pages.change_password_page(authorize_query, problems=problems)
        return await _next_step(unit, settings, request, pairs, account, login, now)


@router.post("/authorize/totp", response_class=Response, openapi_extra=PUBLIC)
async def second_factor(request: Request, runtime: RuntimeDep, settings: SettingsDep,
                        code: Annotated[str, Form(max_length=16)],
                        authorize_query: Annotated[str, Form(max_length=8192)],
                        session_cookie: LoginCookieDep = None) -> Response:
    """The TOTP step, after the password step of the same browser."""
    pairs, now = parse_qsl(authorize_query), datetime.now(UTC)
    async with transaction(runtime) as unit:
        if refused := await _validated(unit, settings, request, pairs, now):
            return refused
        login = await logins.session_of_cookie(unit.session, session_cookie)
        account = await unit.session.get(Account, login.account_id) if login else None
        if login is None or account is None or not rules.pending(login, now) or account.must_change_password:
            return pages.login_page(authorize_query, reason="expired")
        outcome = await logins.check_totp(unit, settings, account=account, code=code,
                                          client_id=login.client_id, now=now)
        if outcome.refusal:
            if outcome.refusal == "locked":
                return pages.login_page(authorize_query, username=account.username, reason="locked")
            return pages.totp_page(authorize_query, reason=outcome.refusal)
        await logins.complete_login(unit, account, login, factors=["password", "totp"], now=now)
        return await _issue_code(unit, settings, request, pairs, Person(account, session=login), now)

