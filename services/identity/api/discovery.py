"""OpenID Connect discovery and the JWKS (/.well-known/...): what verifiers fetch over HTTP."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from services.identity.api.deps import RuntimeDep, SettingsDep
from services.identity.domain.oauth import SCOPES, USERINFO_CLAIMS
from services.identity.store import keys

router = APIRouter(tags=["oidc"])


@router.get("/.well-known/openid-configuration", openapi_extra=PUBLIC)
async def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0 metadata of this issuer."""
    issuer = settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/revoke",
        "end_session_endpoint": f"{issuer}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": SCOPES,
        "claims_supported": ["iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "client_id", "jti",
                             *USERINFO_CLAIMS],
    }


@router.get("/.well-known/jwks.json", openapi_extra=PUBLIC)
async def jwks(runtime: RuntimeDep, settings: SettingsDep) -> JSONResponse:
    """The public keys that sign tokens: the current one, and retired ones while their tokens may live."""
    async with runtime.sessions() as session:
        keyset = await keys.published(session, now=datetime.now(UTC),
                                      kept_after_retirement=settings.key_kept_after_retirement)
    # Verifiers cache it; a new kid makes them fetch again, so a short max-age is enough.
    return JSONResponse(keyset, headers={"Cache-Control": "public, max-age=60"})
