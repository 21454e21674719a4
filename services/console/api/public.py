"""The citizens' pages' one way to intake (/public-api/...): forwarded to intake's `/public/...` without a
token, without cookies either way, GET and POST only, bounded in size.

Intake rate-limits citizens by their address: the console names it in `X-Forwarded-For`, and intake's
uvicorn takes it from there because the console's address is one it trusts (`FORWARDED_ALLOW_IPS`, by
default 127.0.0.1; docs/console.md, "Citizens' pages")."""

import re
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request, Response, status

from shared.auth.http import PUBLIC
from shared.problems import ProblemError
from services.console.api.deps import ConsoleDep, SettingsDep, problem

router = APIRouter(tags=["public"])

# Only these pass, each way: no cookie, no authorization, nothing the backend says about itself.
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language")
FORWARDED_RESPONSE_HEADERS = ("content-type", "retry-after")
# Path segments as intake's public routes and case numbers spell them: no `..`, no encoded slash, no query trick.
PUBLIC_PATH = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")


# An attachment streams through as it arrives (never held whole here), counted against its limit; the console's
# request guard passes it unread (app.py). Anything else a citizen sends is a small JSON body, read whole.
UPLOAD_PATH = "attachments"
STREAMED_UPLOADS = (r"/public-api/attachments",)


def _too_large(limit: int) -> ProblemError:
    return problem(status.HTTP_413_CONTENT_TOO_LARGE, f"内容过大：最多 {limit // 1024} KB",
                   f"too large: at most {limit // 1024} KB")


def _refuse_declared_length(request: Request, limit: int) -> None:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(limit)


async def bounded_stream(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body as it arrives; 413 once past `limit` (the upload to intake stops there too)."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        yield chunk


async def bounded_body(request: Request, limit: int) -> bytes:
    return b"".join([chunk async for chunk in bounded_stream(request, limit)])


@router.api_route("/public-api/{path:path}", methods=["GET", "POST"], openapi_extra=PUBLIC)
async def forward_public(path: str, request: Request, settings: SettingsDep, console: ConsoleDep) -> Response:
    """`/public-api/<path>` → intake's `/public/<path>`, as the citizen sent it, with no one's credentials."""
    if not PUBLIC_PATH.fullmatch(path):
        raise problem(status.HTTP_404_NOT_FOUND, f"没有 /public-api/{path}", f"no /public-api/{path}")
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    body: bytes | AsyncIterator[bytes] = b""
    if request.method == "POST" and path == UPLOAD_PATH:
        _refuse_declared_length(request, settings.public_max_upload_bytes)
        if "content-length" in request.headers:
            headers["content-length"] = request.headers["content-length"]
        body = bounded_stream(request, settings.public_max_upload_bytes)
    elif request.method == "POST":
        _refuse_declared_length(request, settings.public_max_json_bytes)
        body = await bounded_body(request, settings.public_max_json_bytes)
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    try:
        answer = await console.http.request(request.method, f"{settings.intake_url}/public/{path}",
                                            params=request.query_params, content=body, headers=headers)
    except httpx.HTTPError as unreachable:
        raise problem(status.HTTP_502_BAD_GATEWAY, "服务暂不可用，请稍后再试",
                      "the service is unreachable; try again later") from unreachable
    kept = {name: answer.headers[name] for name in FORWARDED_RESPONSE_HEADERS if name in answer.headers}
    return Response(answer.content, status_code=answer.status_code, headers=kept)
