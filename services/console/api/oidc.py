"""The console as an OIDC client of the issuer: authorization code with PKCE (S256), refresh, end session.

The console is a confidential client (`console`): the code is exchanged server-side with its secret, and
the tokens stay in this process (store/sessions.py)."""

import base64
import contextlib
import hashlib
import time
from typing import Any

import httpx

from services.console.config import ConsoleSettings


class LoginFailed(Exception):
    """The issuer refused the code or the refresh, or answered something unexpected."""


def code_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OidcClient:
    def __init__(self, settings: ConsoleSettings, issuer: str, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.issuer = issuer.rstrip("/")
        self.http = http
        self._discovery: dict[str, Any] | None = None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            answer = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            answer.raise_for_status()
            self._discovery = answer.json()
        return self._discovery

    async def authorization_url(self, *, state: str, nonce: str, verifier: str) -> str:
        endpoint = (await self.discovery())["authorization_endpoint"]
        params = {"response_type": "code", "client_id": self.settings.client_id,
                  "redirect_uri": self.settings.redirect_uri, "scope": "openid profile", "state": state,
                  "nonce": nonce, "code_challenge": code_challenge(verifier), "code_challenge_method": "S256"}
        return str(httpx.URL(endpoint, params=params))

    async def exchange_code(self, code: str, verifier: str) -> dict[str, Any]:
        return await self._token({"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": self.settings.redirect_uri, "code_verifier": verifier})

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def end_session(self, refresh_token: str) -> None:
        """End the person's login session at the issuer (its single sign-on, and every refresh token of it): the
        console holds the refresh token and authenticates as its client. Best effort: the console's own session
        is gone whatever the issuer answers."""
        endpoint = (await self.discovery()).get("end_session_endpoint")
        if endpoint:
            with contextlib.suppress(httpx.HTTPError):
                await self.http.post(endpoint, data={"refresh_token": refresh_token}, auth=self._client_auth())

    async def _token(self, form: dict[str, str]) -> dict[str, Any]:
        endpoint = (await self.discovery())["token_endpoint"]
        answer = await self.http.post(endpoint, data=form, auth=self._client_auth())
        if answer.status_code != 200:
            raise LoginFailed(f"the issuer refused ({answer.status_code}): {answer.text[:200]}")
        tokens = answer.json()
        if "access_token" not in tokens:
            raise LoginFailed("the issuer answered without an access token")
        tokens["expires_at"] = time.monotonic() + float(tokens.get("expires_in", 300))
        return tokens

    def _client_auth(self) -> tuple[str, str]:
        return (self.settings.client_id, self.settings.client_secret)
