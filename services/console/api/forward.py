"""The services' APIs through the console (/api/<service>/...): forwarded with the signed-in person's bearer
token, which the browser never sees."""

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from shared.auth.http import PUBLIC
from services.console.api.deps import ConsoleDep, SessionDep, SettingsDep, problem

router = APIRouter(tags=["console"])

# What is passed on to a service, and back: never the browser's cookies, never the service's auth headers.
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "idempotency-key")
FORWARDED_RESPONSE_HEADERS = ("content-type", "content-disposition", "location", "retry-after",
                              "x-content-type-options", "cache-control")
# Uploads (intake's attachments) stream through as they arrive, never held whole here; the service limits their
# size. The console's request guard lets them pass unread (app.py).
STREAMED_UPLOADS = (r"/api/intake/cases/[^/]+/attachments",)  # citizens upload through /public-api (public.py)


@router.api_route("/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  openapi_extra=PUBLIC)
async def forward(service: str, path: str, request: Request, session: SessionDep, settings: SettingsDep,
                  console: ConsoleDep) -> Response:
    """`/api/<service>/<path>` → the service's `/<path>` with the person's bearer token; the service decides."""
    base = settings.backend_url(service)
    if base is None:
        raise problem(status.HTTP_404_NOT_FOUND, f"没有服务 {service}", f"no service {service}")
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    headers["authorization"] = f"Bearer {session.access_token}"
    multipart = request.headers.get("content-type", "").lower().startswith("multipart/form-data")
    if multipart and "content-length" in request.headers:
        headers["content-length"] = request.headers["content-length"]
    outgoing = console.http.build_request(request.method, f"{base}/{path}", params=request.query_params,
                                          content=request.stream() if multipart else await request.body(),
                                          headers=headers)
    try:
        answer = await console.http.send(outgoing, stream=True)  # a download streams back the same way
    except httpx.HTTPError as unreachable:
        raise problem(status.HTTP_502_BAD_GATEWAY, f"服务 {service} 不可用",
                      f"the {service} service is unreachable") from unreachable
    kept = {name: answer.headers[name] for name in FORWARDED_RESPONSE_HEADERS if name in answer.headers}
    return StreamingResponse(answer.aiter_bytes(), status_code=answer.status_code, headers=kept,
                             background=BackgroundTask(answer.aclose))
