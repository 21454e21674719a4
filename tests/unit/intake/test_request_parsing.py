"""POST /cases parses its own body and headers: every refusal must read as FastAPI's parameters gave it."""

import json
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from pydantic import TypeAdapter

from shared import problems
from services.intake.api.cases import parse_json_request
from services.intake.api.deps import IdempotencyKey
from services.intake.commands import CaseCreate

Actor = Annotated[str | None, Header(alias="X-Example-Tag", min_length=1, max_length=64)]
HEADERS = {"Idempotency-Key": TypeAdapter(IdempotencyKey), "X-Example-Tag": TypeAdapter(Actor)}
GOOD = {"hall": "FT", "channel": "walk_in", "problem_kind": "missing_materials",
        "applicant": {"kind": "person", "name": "张三", "phone": "13812345678"}}
JSON = {"content-type": "application/json"}
REQUESTS = {
    "no body": (b"", JSON),
    "no content type": (json.dumps(GOOD).encode(), {}),
    "text": (json.dumps(GOOD).encode(), {"content-type": "text/plain"}),
    "invalid JSON": (b'{"hall": "FT",', JSON),
    "NaN": (b'{"hall": NaN}', JSON),
    "an array": (b"[1, 2]", JSON),
    "nothing given": (b"{}", JSON),
    "fields wrong at every depth": (json.dumps({
        **GOOD, "hall": "TOOLONGHALL", "zzz": 1, "channel": "fax", "green_channel": "maybe",
        "applicant": {"kind": "alien", "email": "bad"}, "items": [1],
        "attachments": [{"file_name": "", "content_type": "x", "size_bytes": -1}],
    }).encode(), {"content-type": "application/json; charset=utf-8"}),
    "the first body shape": (json.dumps({"hall": "FT", "channel": "walk_in", "problem_kind": "p",
                                         "applicant_kind": "robot"}).encode(), JSON),
    "bad headers and body": (b'{"hall": 1}', {**JSON, "Idempotency-Key": "a b", "X-Example-Tag": "a" * 65}),
    "an empty actor": (json.dumps(GOOD).encode(), {**JSON, "X-Example-Tag": ""}),
    "a long key, +json": (json.dumps({**GOOD, "hall": ""}).encode(),
                          {"content-type": "application/vnd.api+json", "Idempotency-Key": "k" * 201}),
}


def app() -> FastAPI:
    application = FastAPI()
    problems.install(application)

    @application.post("/fastapi")
    async def by_fastapi(case_in: CaseCreate, key: IdempotencyKey = None, actor: Actor = None) -> dict:
        return {"key": key, "actor": actor, "case": case_in.model_dump(mode="json")}

    @application.post("/own")
    async def by_ourselves(request: Request) -> dict:
        case_in, headers = await parse_json_request(request, body=TypeAdapter(CaseCreate), headers=HEADERS)
        return {"key": headers["Idempotency-Key"], "actor": headers["X-Example-Tag"],
                "case": case_in.model_dump(mode="json")}

    return application


@pytest.mark.parametrize("name", [*REQUESTS, "valid"])
async def test_a_request_is_answered_as_fastapis_own_parameters_answer_it(name: str) -> None:
    body, headers = REQUESTS.get(name, (json.dumps(GOOD).encode(), {**JSON, "Idempotency-Key": "k1"}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://intake") as client:
        theirs = await client.post("/fastapi", content=body, headers=headers)
        ours = await client.post("/own", content=body, headers=headers)

    assert (ours.status_code, {**ours.json(), "instance": None}) == (
        theirs.status_code,
        {**theirs.json(), "instance": None},
    )
    assert ours.status_code == (200 if name == "valid" else 422)
