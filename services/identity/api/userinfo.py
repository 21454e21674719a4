"""The userinfo endpoint (/userinfo): the person (or system) a bearer access token speaks for."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from services.identity.api.deps import RuntimeDep, SettingsDep
from services.identity.config import IdentitySettings
from services.identity.domain.oauth import USERINFO_CLAIMS
from services.identity.store import keys

router = APIRouter(tags=["oidc"])


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


@router.get("/userinfo", openapi_extra=PUBLIC)
async def userinfo(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> dict[str, Any]:
    """The person (or system) a bearer access token speaks for."""
    async with runtime.sessions() as session:
        claims = await verified_claims(session, settings, request.headers.get("authorization"))
    return {name: claims[name] for name in USERINFO_CLAIMS if name in claims}
