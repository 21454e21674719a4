"""The revocation endpoint (/revoke, RFC 7009)."""

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
from services.identity.store import oauth_rows
from services.identity.store.transactions import transaction

router = APIRouter(tags=["oidc"])


@router.post("/revoke", openapi_extra=PUBLIC)
async def revoke(request: Request, runtime: RuntimeDep, settings: SettingsDep, sealer: SealerDep,
                 pairs: FormDep) -> Response:
    """RFC 7009: a client revokes one of its refresh tokens (an unknown token is answered 200 all the same)."""
    client_id = basic_client_id(request.headers) or dict(pairs).get("client_id")
    async with transaction(runtime) as unit:
        loaded = await oauth_rows.for_token(unit.session, sealer=sealer, client_id=client_id, pairs=pairs,
                                            token_field="token", now=datetime.now(UTC))
        server = Server(settings, loaded)
        status, body, headers = server.create_endpoint_response(
            "revocation", oauth_request(settings, request, "/revoke", pairs))
        unit.session.add_all(loaded.revoked)
    return JSONResponse(body, status_code=status, headers={**dict(headers), **NO_STORE})
