"""Bearer token verification: an RS256 JWT (the only algorithm accepted, whatever the header says) signed
by a key of the configured issuer, for our audience, within its lifetime (a bounded leeway)."""

import base64
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from shared.auth.keys import IssuerKeys, UnknownKey
from shared.auth.principal import Principal
from shared.auth.settings import AuthSettings

ALGORITHM = "RS256"


class InvalidToken(Exception):
    """The token is not one this service trusts; the message says why (never the token itself)."""


class TokenVerifier:
    def __init__(self, settings: AuthSettings, keys: IssuerKeys | None = None) -> None:
        self.settings = settings
        self.keys = keys or IssuerKeys(settings)
        self._claims = JWTClaimsRegistry(
            leeway=settings.leeway_s,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.audience},
            sub={"essential": True},
            exp={"essential": True},
        )

    async def verify(self, token: str) -> Principal:
        """The principal a valid token names; raises InvalidToken (or KeysUnavailable) otherwise."""
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"alg must be {ALGORITHM}, not {header.get('alg')!r}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token's header names no kid")
        try:
            key = await self.keys.key(kid)
        except UnknownKey:
            raise InvalidToken(f"no key {kid!r} at the issuer") from None
        try:
            decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
            self._claims.validate(decoded.claims)
        except JoseError as error:
            raise InvalidToken(f"{error.error}: {error.description or ''}".rstrip(": ")) from None
        except ValueError as error:
            raise InvalidToken(f"malformed token: {error}") from None
        return Principal.from_claims(decoded.claims)


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("a token has three dot-separated parts")
    try:
        header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidToken("the token's header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise InvalidToken("the token's header is not a JSON object")
    return header
