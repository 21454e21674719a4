"""Refusals of every kind come out as one problem shape, and the API document declares it."""

import httpx
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from shared import api_docs, problems
from shared.problems import MEDIA_TYPE, ProblemError


class Item(BaseModel):
    name: str


def app() -> FastAPI:
    application = FastAPI(docs_url=None, redoc_url=None)
    problems.install(application)
    api_docs.install(application)

    @application.get("/bilingual")
    async def bilingual() -> None:
        raise HTTPException(401, {"zh": "缺少令牌", "en": "missing token"}, headers={"WWW-Authenticate": "Bearer"})

    @application.get("/plain")
    async def plain() -> None:
        raise HTTPException(403, "not yours")

    @application.get("/conflict")
    async def conflict() -> None:
        raise ProblemError(409, zh="已办结", en="already closed", state="closed", allowed_actions=[])

    @application.post("/items", response_model=Item)
    async def create(item: Item) -> Item:
        return item

    return application


async def get(path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://svc") as client:
        return await client.get(path)


async def test_an_http_exception_with_zh_and_en_keeps_both_and_its_headers() -> None:
    response = await get("/bilingual")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.json() == {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "missing token",
                               "instance": "/bilingual", "zh": "缺少令牌", "en": "missing token", "errors": []}


async def test_a_plain_http_exception_gets_a_chinese_title() -> None:
    problem = (await get("/plain")).json()
    assert (problem["status"], problem["en"], problem["zh"]) == (403, "not yours", "无权执行此操作")


async def test_a_problem_carries_its_extension_members() -> None:
    problem = (await get("/conflict")).json()
    assert problem["state"] == "closed" and problem["allowed_actions"] == [] and problem["zh"] == "已办结"


async def test_an_unknown_route_is_a_404_problem() -> None:
    response = await get("/nowhere")
    assert response.status_code == 404 and response.json()["instance"] == "/nowhere"


async def test_the_document_declares_refusals_as_problems_and_no_fastapi_error_shape() -> None:
    document = (await get("/openapi.json")).json()
    responses = document["paths"]["/items"]["post"]["responses"]
    for status in ("401", "403", "404", "409", "413", "422"):
        assert responses[status]["content"] == {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "409" not in document["paths"]["/plain"]["get"]["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert {"field", "zh", "en"} <= document["components"]["schemas"]["FieldError"]["properties"].keys()
