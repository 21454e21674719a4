"""The stored rows seen through authlib's model interfaces (client, authorization code, refresh token)."""

import hmac
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from services.identity.domain.sessions import Timeouts
from services.identity.store.tables import Account, AuthorizationCode, Client, LoginSession, RefreshToken, digest

SECRET_METHODS = ("client_secret_basic", "client_secret_post")


class OAuthClient(ClientMixin):
    def __init__(self, row: Client) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.row.redirect_uris[0] if self.row.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = scope_to_list(self.row.scope) or []
        if not scope:
            return self.row.scope
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(digest(client_secret), self.row.secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in SECRET_METHODS  # every client here is confidential

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


class Person:
    """The resource owner: an account."""

    def __init__(self, account: Account, *, session: LoginSession | None = None) -> None:
        self.account = account
        self.session = session

    def get_user_id(self) -> str:
        return self.account.id


class Code(AuthorizationCodeMixin):
    def __init__(self, row: AuthorizationCode, factors: list[str]) -> None:
        self.row = row
        self.factors = factors
        # authlib's CodeChallenge reads these two attributes
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str]:
        return ["pwd", "otp"] if "totp" in self.factors else ["pwd"]


class Refresh(TokenMixin):
    """A refresh token, valid while neither it nor its session is revoked, idle or past its absolute end."""

    def __init__(self, row: RefreshToken, session: LoginSession, timeouts: Timeouts, now: datetime) -> None:
        self.row = row
        self.session = session
        self.timeouts = timeouts
        self.now = now

    def check_client(self, client: OAuthClient) -> bool:
        return client.get_client_id() == self.row.client_id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        ends = self.timeouts.ends_at(started_at=self.session.started_at, last_seen_at=self.session.last_seen_at)
        return max(int((ends - self.now).total_seconds()), 0)

    def is_expired(self) -> bool:
        return self.timeouts.expired(started_at=self.session.started_at, last_seen_at=self.session.last_seen_at,
                                     now=self.now)

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.session.ended_at is not None
