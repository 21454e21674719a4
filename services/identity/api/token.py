"""The token endpoint (/token): authorization_code (with the PKCE verifier), refresh_token (rotated),
client_credentials."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from shared.auth.http import PUBLIC  # an OIDC provider's endpoints authenticate by their own means
from services.identity.api.deps import (
    NO_STORE,
    FormDep,
    RuntimeDep,
    SealerDep,
    SettingsDep,
    basic_client_id,
    oauth_request,
)
from services.identity.domain.oauth import Server
from services.identity.store import events, logins, oauth_rows
from services.identity.store.transactions import transaction

router = APIRouter(tags=["oidc"])


@router.post("/token", openapi_extra=PUBLIC)
async def token(request: Request, runtime: RuntimeDep, settings: SettingsDep, sealer: SealerDep,
                pairs: FormDep) -> Response:
    """authorization_code (with the PKCE verifier), refresh_token (rotated), client_credentials."""
    client_id = basic_client_id(request.headers) or dict(pairs).get("client_id")
    async with transaction(runtime) as unit:
        loaded = await oauth_rows.for_token(unit.session, sealer=sealer, client_id=client_id, pairs=pairs,
                                            token_field="refresh_token", now=datetime.now(UTC))
        server = Server(settings, loaded)
        status, body, headers = server.create_token_response(oauth_request(settings, request, "/token", pairs))
        if loaded.code is not None and loaded.code.used:
            unit.session.add(loaded.code)
        unit.session.add_all([*loaded.new_refresh_tokens, *loaded.revoked, *loaded.sessions.values()])
        if status == 200 and dict(pairs).get("grant_type") == "client_credentials":
            claims = {key: value for issued in loaded.issued for key, value in issued.items()}
            await events.system_token_issued(unit, next(iter(loaded.clients.values())), claims=claims,
                                             expires_in=body.get("expires_in", 0))
        elif (status != 200 and loaded.refresh is not None and loaded.refresh.revoked_reason == "rotated"
              and (login := loaded.sessions.get(loaded.refresh.session_id))):
            # A rotated refresh token came back: it was copied. End the session it belongs to (RFC 9700 4.14).
            await logins.end_session(unit, login, now=loaded.now, reason="reused")
    return JSONResponse(body, status_code=status, headers={**dict(headers), **NO_STORE})
