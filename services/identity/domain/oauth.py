"""authlib's OAuth 2.0 / OpenID Connect server, built for one request at a time.

authlib's grants are synchronous and call back for every row they need. So a route loads what the request
can touch first (`Loaded`), authlib decides on it without I/O, and what it decided (codes issued, tokens
saved, the used code, the rotated refresh token) is read back from `Loaded` and written by the route in
one transaction, with its events.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import OpenIDCode
from joserfc.jwk import KeySet

from services.identity.config import IdentitySettings
from services.identity.domain.oauth_models import SECRET_METHODS, Code, OAuthClient, Person, Refresh
from services.identity.store.tables import Account, AuthorizationCode, Client, LoginSession, RefreshToken, digest

SCOPES = ["openid", "profile"]
# What /userinfo answers, of an access token's claims.
USERINFO_CLAIMS = ("sub", "name", "preferred_username", "roles", "district", "hall", "department")


class Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class Request(OAuth2Request):
    """An HTTP request as authlib reads it: the parameters of the query (GET) or the form (POST)."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], pairs: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = Payload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


@dataclass
class Loaded:
    """What one request may touch, loaded beforehand; and what authlib decided, to be written after."""

    now: datetime
    signer: KeySet | None = None
    clients: dict[str, Client] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    sessions: dict[str, LoginSession] = field(default_factory=dict)
    code: AuthorizationCode | None = None
    refresh: RefreshToken | None = None
    nonce_seen: bool = False
    # decided:
    new_codes: list[AuthorizationCode] = field(default_factory=list)
    new_refresh_tokens: list[RefreshToken] = field(default_factory=list)
    revoked: list[RefreshToken] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)  # claims of each access token minted


class S256Required(CodeChallenge):
    """PKCE with S256 on every authorization request (RFC 7636; OAuth 2.1 makes it the rule)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class Server(AuthorizationServer):
    def __init__(self, settings: IdentitySettings, loaded: Loaded) -> None:
        super().__init__(scopes_supported=SCOPES)
        self.settings = settings
        self.loaded = loaded
        self.timeouts = settings.timeouts
        self.register_token_generator("default", TokenGenerator(self))
        self.register_grant(CodeGrant, [S256Required(required=True), IdToken(self)])
        self.register_grant(RefreshGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> OAuthClient | None:
        row = self.loaded.clients.get(client_id)
        return OAuthClient(row) if row else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        if "refresh_token" not in token:
            return
        session_id = (self.loaded.code.session_id if self.loaded.code else self.loaded.refresh.session_id)
        self.loaded.new_refresh_tokens.append(RefreshToken(
            token_digest=digest(token["refresh_token"]), session_id=session_id,
            client_id=request.client.get_client_id(), account_id=request.user.get_user_id(),
            scope=token.get("scope", ""), issued_at=self.loaded.now,
        ))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: the route reads what happened from `Loaded`."""

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers


class TokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens with the contract's claims; an opaque random refresh token."""

    def __init__(self, server: Server) -> None:
        settings = server.settings
        super().__init__(issuer=settings.issuer, alg="RS256",
                         refresh_token_generator=lambda **_: generate_token(48),
                         expires_generator=lambda _client, _grant: settings.access_token_ttl_s)
        self.server = server

    def get_jwks(self) -> KeySet:
        return self.server.loaded.signer

    def get_audiences(self, client: OAuthClient, user: Person | None, scope: str) -> str:
        return self.server.settings.audience

    def get_extra_claims(self, client: OAuthClient, grant_type: str, user: Person | None, scope: str) -> dict:
        claims = {"azp": client.get_client_id(), **(person_claims(user.account) if user else system_claims(client.row))}
        self.server.loaded.issued.append(claims)
        return claims

    def get_jti(self, client: OAuthClient, grant_type: str, user: Person | None, scope: str) -> str:
        jti = generate_token(24)
        self.server.loaded.issued.append({"jti": jti})
        return jti


def person_claims(account: Account) -> dict[str, Any]:
    claims: dict[str, Any] = {"name": account.display_name, "preferred_username": account.username,
                              "roles": [account.role], "district": account.district}
    if account.hall:
        claims["hall"] = account.hall
    if account.department:
        claims["department"] = account.department
    return claims


def system_claims(client: Client) -> dict[str, Any]:
    claims: dict[str, Any] = {"name": client.name, "roles": [client.role] if client.role else [],
                              "district": client.district}
    if client.department:
        claims["department"] = client.department
    return claims


class IdToken(OpenIDCode):
    """ID tokens for the console (scope openid), signed by the same key as access tokens."""

    def __init__(self, server: Server) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def resolve_client_private_key(self, client: OAuthClient) -> KeySet:
        return self.server.loaded.signer

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return "RS256"

    def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
        now = int(self.server.loaded.now.timestamp())
        return {"iss": self.server.settings.issuer, "aud": [client.get_client_id()],
                "iat": now, "exp": now + self.server.settings.id_token_ttl_s}

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.server.loaded.nonce_seen

    def generate_user_info(self, user: Person, scope: str) -> dict[str, Any]:
        return {"sub": user.get_user_id(), **person_claims(user.account)}


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(SECRET_METHODS)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        loaded: Loaded = self.server.loaded
        person: Person = request.user
        data = request.payload.data
        loaded.new_codes.append(AuthorizationCode(
            code_digest=digest(code), client_id=request.client.get_client_id(), account_id=person.account.id,
            session_id=person.session.id, redirect_uri=request.payload.redirect_uri or "", scope=request.scope or "",
            nonce=data.get("nonce"), code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"], auth_time=person.session.started_at,
            expires_at=loaded.now + timedelta(seconds=self.server.settings.authorization_code_ttl_s),
        ))

    def query_authorization_code(self, code: str, client: OAuthClient) -> Code | None:
        row = self.server.loaded.code
        if row is None or row.code_digest != digest(code) or row.client_id != client.get_client_id():
            return None
        if row.used or row.expires_at <= self.server.loaded.now:
            return None
        session = self.server.loaded.sessions.get(row.session_id)
        return Code(row, session.factors if session else [])

    def delete_authorization_code(self, authorization_code: Code) -> None:
        authorization_code.row.used = True  # single use; the route writes it

    def authenticate_user(self, authorization_code: Code) -> Person | None:
        loaded: Loaded = self.server.loaded
        session = loaded.sessions.get(authorization_code.row.session_id)
        account = loaded.accounts.get(authorization_code.row.account_id)
        if session is None or account is None or session.ended_at is not None or account.disabled:
            return None
        session.last_seen_at = loaded.now  # a use of the session: its idle clock starts again
        return Person(account, session=session)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(SECRET_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every use returns a new one and revokes the old

    def authenticate_refresh_token(self, refresh_token: str) -> Refresh | None:
        loaded: Loaded = self.server.loaded
        row = loaded.refresh
        if row is None or row.token_digest != digest(refresh_token):
            return None
        session = loaded.sessions.get(row.session_id)
        if session is None:
            return None
        token = Refresh(row, session, self.server.timeouts, loaded.now)
        return None if token.is_revoked() or token.is_expired() else token

    def authenticate_user(self, refresh_token: Refresh) -> Person | None:
        account = self.server.loaded.accounts.get(refresh_token.row.account_id)
        return None if account is None or account.disabled else Person(account, session=refresh_token.session)

    def revoke_old_credential(self, refresh_token: Refresh) -> None:
        refresh_token.row.revoked_at, refresh_token.row.revoked_reason = self.server.loaded.now, "rotated"
        refresh_token.session.last_seen_at = self.server.loaded.now  # a use: the idle clock starts again
        self.server.loaded.revoked.append(refresh_token.row)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(SECRET_METHODS)


class Revocation(RevocationEndpoint):
    """RFC 7009 for refresh tokens; access tokens are short-lived JWTs and expire on their own."""

    CLIENT_AUTH_METHODS = list(SECRET_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> "Revocable | None":
        row = self.server.loaded.refresh
        return Revocable(row) if row is not None and row.token_digest == digest(token_string) else None

    def revoke_token(self, token: "Revocable", request: OAuth2Request) -> None:
        if token.row.revoked_at is None:
            token.row.revoked_at, token.row.revoked_reason = self.server.loaded.now, "revoked"
            self.server.loaded.revoked.append(token.row)


@dataclass
class Revocable:
    row: RefreshToken

    def check_client(self, client: OAuthClient) -> bool:
        return client.get_client_id() == self.row.client_id
