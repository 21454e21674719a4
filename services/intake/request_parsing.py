"""A JSON body and headers read off a plain `Request`, refused with the 422 FastAPI would give.

Why: on `POST /cases` FastAPI's parameter machinery (solving the dependencies, `json.loads` of the
body, then validating the dict) cost more than the parsing itself. Here the raw body goes through
pydantic's JSON parser in one step; only when that fails is it parsed again FastAPI's way, so every
error (invalid JSON, another content type, no body) is worded and located exactly as before.
"""

import email.message
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

B = TypeVar("B")


async def parse_json_request(
    request: Request, *, body: TypeAdapter[B], headers: Mapping[str, TypeAdapter[Any]]
) -> tuple[B, dict[str, Any]]:
    """The validated body and headers (None when absent); raises `RequestValidationError` listing
    the headers' problems, then the body's, as FastAPI does."""
    errors: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    for name, adapter in headers.items():
        value = request.headers.get(name)
        try:
            found[name] = None if value is None else adapter.validate_python(value)
        except ValidationError as error:
            errors += _located(("header", name), error)
    raw = await request.body()
    is_json = _is_json(request.headers.get("content-type"))
    if raw and is_json:
        try:
            value = body.validate_json(raw)
        except ValidationError:
            pass  # worded FastAPI's way below
        else:
            if errors:
                raise RequestValidationError(errors)
            return value, found
    if not raw:
        raise RequestValidationError([*errors, {"type": "missing", "loc": ("body",), "msg": "Field required",
                                                "input": None}])
    try:
        data = json.loads(raw) if is_json else raw  # bytes fail validation as "not an object", as in FastAPI
    except json.JSONDecodeError as error:  # FastAPI reports it alone: the body is read before the headers
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                                       "input": {}, "ctx": {"error": error.msg}}]) from error
    try:
        value = body.validate_python(data, from_attributes=True)  # as FastAPI validates a body
    except ValidationError as error:
        errors += _located(("body",), error)
    if errors:
        raise RequestValidationError(errors)
    return value, found


def _located(prefix: tuple[str, ...], error: ValidationError) -> list[dict[str, Any]]:
    return [{**e, "loc": (*prefix, *e["loc"])} for e in error.errors(include_url=False)]


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test: `application/json` or `application/*+json`; no content type is not JSON."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
