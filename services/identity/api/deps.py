"""What identity's routes depend on, as typed aliases (the runtime, its settings as built, the sealer, the
posted form, the login cookie), and the helpers the OIDC endpoints share."""

import base64
import binascii
from typing import Annotated, Any

from fastapi import Cookie, Depends, Request

from shared.auth.settings import AuthSettings
from shared.auth.tokens import TokenVerifier
from shared.health import RuntimeDep
from services.identity.config import IdentitySettings
from services.identity.domain.oauth import Request as OAuthRequest
from services.identity.store.sealing import Sealer, sealer_for

__all__ = ["COOKIE", "NO_STORE", "FormDep", "LoginCookieDep", "RuntimeDep", "SealerDep", "SettingsDep",
           "basic_client_id", "basic_credentials", "form_pairs", "oauth_request", "trust_own_tokens"]

COOKIE = "bancheng_idp_session"  # the browser's login session at this provider
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def settings_as_built(runtime: RuntimeDep) -> IdentitySettings:
    """The settings the runtime was built with (a test builds it with its own)."""
    return runtime.settings


SettingsDep = Annotated[IdentitySettings, Depends(settings_as_built)]


async def trust_own_tokens(request: Request, settings: SettingsDep) -> None:
    """The provider's own routes for people (`/accounts`) accept the access tokens it issues itself, whatever
    issuer the environment names for the other services; resolved before the route's `Authorize`."""
    if getattr(request.app.state, "token_verifier", None) is None:
        request.app.state.token_verifier = TokenVerifier(AuthSettings(issuer=settings.issuer))


async def sealer(settings: SettingsDep) -> Sealer:
    return sealer_for(settings.signing_secret)


SealerDep = Annotated[Sealer, Depends(sealer)]


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The posted form's fields in order, repeated names kept (authlib reads them all)."""
    return [(name, value) for name, value in (await request.form()).multi_items() if isinstance(value, str)]


FormDep = Annotated[list[tuple[str, str]], Depends(form_pairs)]
LoginCookieDep = Annotated[str | None, Cookie(alias=COOKIE)]


def _basic(headers: Any) -> str | None:
    """The decoded `Authorization: Basic` value (`id:secret`), or None when absent or malformed."""
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(auth[6:]).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def basic_client_id(headers: Any) -> str | None:
    decoded = _basic(headers)
    return decoded.split(":", 1)[0] or None if decoded is not None else None


def basic_credentials(headers: Any) -> tuple[str, str] | None:
    """A client's id and secret, or None."""
    decoded = _basic(headers)
    if decoded is None or ":" not in decoded:
        return None
    client_id, secret = decoded.split(":", 1)
    return client_id, secret


def oauth_request(settings: IdentitySettings, request: Request, path: str,
                  pairs: list[tuple[str, str]]) -> OAuthRequest:
    """A POSTed endpoint's request as authlib reads it, addressed at this issuer."""
    return OAuthRequest("POST", f"{settings.issuer}{path}", request.headers, pairs)
