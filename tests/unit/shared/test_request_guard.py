"""Malformed requests are refused before a route sees them, as 4xx problems naming the field."""

import json

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from shared import problems
from shared.request_guard import MAX_DEPTH, RequestGuard

LIMIT = 1000


class Note(BaseModel):
    text: str
    count: int = 0


def app(limit: int) -> FastAPI:
    application = FastAPI()
    problems.install(application)
    application.add_middleware(RequestGuard, max_body_bytes=limit)

    @application.post("/notes")
    async def post_note(note: Note) -> Note:
        return note

    @application.get("/notes/{name}")
    async def get_note(name: str, q: str = "") -> dict[str, str]:
        return {"name": name, "q": q}

    @application.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return application


async def send(method: str, url: str, *, limit: int = LIMIT, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app(limit), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.request(method, url, **kwargs)


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("note", [
    {"text": "办成\n第二行\t", "count": 3},
    {"text": "😀 \u00e9 NaN Infinity 1e999", "count": 9223372036854775807},
], ids=["plain", "suspect-looking but valid"])
async def test_a_well_formed_body_passes_through_unchanged(note: dict) -> None:
    response = await send("POST", "/notes", content=json.dumps(note), headers=JSON)
    assert response.status_code == 200 and response.json() == note


@pytest.mark.parametrize(
    "body, field",
    [
        (b'{"text": "\xff"}', "body"),
        (json.dumps({"text": "a\u0000b"}).encode(), "text"),
        (json.dumps({"text": "x", "tags": [{"v": "\u001b[31m"}]}).encode(), "tags[0].v"),
        (b'{"text": "x", "count": 123456789012345678901234567890}', "count"),
        (b'{"text": "a\\ud800b"}', "text"),
        (b'{"text": "x", "count": ' + b"9" * 5000 + b"}", "count"),
        (b'{"text": "x", "count": 1e999}', "count"),
        (b'{"text": "x", "count": NaN}', "count"),
        (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "body"),
        (b"[" * 100_000 + b"]" * 100_000, "body"),
    ],
    ids=[
        "invalid UTF-8",
        "NUL",
        "escape in a nested list",
        "past 64 bits",
        "a lone surrogate",
        "past Python's digit limit",
        "infinite",
        "NaN",
        "too deep",
        "deep enough to exhaust recursion",
    ],
)
async def test_malformed_json_is_a_422_naming_the_field(body: bytes, field: str) -> None:
    response = await send("POST", "/notes", content=body, headers=JSON, limit=max(LIMIT, len(body)))
    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    problem = response.json()
    assert problem["zh"] and problem["en"] and problem["instance"] == "/notes"


async def test_a_body_over_the_limit_is_a_413_by_its_length_or_as_it_streams() -> None:
    declared = await send("POST", "/notes", content=b"x" * (LIMIT + 1), headers=JSON)

    async def chunks():
        for _ in range(3):
            yield b"x" * (LIMIT // 2)

    streamed = await send("POST", "/notes", content=chunks(), headers=JSON)
    assert declared.status_code == streamed.status_code == 413
    assert fields(declared) == fields(streamed) == ["body"]


async def test_control_characters_in_the_path_or_query_are_refused() -> None:
    in_path = await send("GET", "/notes/a%00b")
    in_query = await send("GET", "/notes/a", params={"q": "x\u0007"})
    plain = await send("GET", "/notes/a", params={"q": "第一\t"})
    assert (in_path.status_code, fields(in_path)) == (422, ["path"])
    assert (in_query.status_code, fields(in_query)) == (422, ["q"])
    assert plain.status_code == 200


async def test_a_wrong_content_type_and_invalid_json_are_refused_by_the_schema() -> None:
    text = await send("POST", "/notes", content=b'{"text": "x"}', headers={"content-type": "text/plain"})
    broken = await send("POST", "/notes", content=b'{"text": ', headers=JSON)
    assert text.status_code == broken.status_code == 422
    assert fields(text) == fields(broken) == ["body"]


async def test_an_unhandled_error_is_a_500_problem_without_internals() -> None:
    response = await send("GET", "/boom")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text and response.json()["zh"] and response.json()["en"]


def upload_app() -> FastAPI:
    """A route that counts the multipart body it streams itself, on a path the guard passes through."""
    application = FastAPI()
    problems.install(application)
    application.add_middleware(RequestGuard, max_body_bytes=LIMIT, streamed_uploads=[r"/uploads/[^/]+"])

    @application.post("/uploads/{name}")
    async def upload(request: Request) -> dict[str, int]:
        return {"read": sum([len(chunk) async for chunk in request.stream()])}

    return application


async def test_a_multipart_upload_on_a_streamed_path_reaches_its_route_unread_and_nothing_else_does() -> None:
    transport = httpx.ASGITransport(app=upload_app())
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        streamed = await client.post("/uploads/a", content=b"x" * (LIMIT * 5), headers=multipart)
        as_json = await client.post("/uploads/a", content=b"x" * (LIMIT * 5), headers=JSON)
        elsewhere = await client.post("/uploads/a/b", content=b"x" * (LIMIT * 5), headers=multipart)
    assert streamed.json() == {"read": LIMIT * 5}
    assert as_json.status_code == elsewhere.status_code == 413
