"""Malformed input is refused before a route sees it, as a 4xx problem naming the field.

An ASGI middleware in front of every service: a body over the service's size limit is refused with 413 (by its
Content-Length, or as it streams in); a JSON body must be UTF-8, nested at most `MAX_DEPTH` deep, hold no
control characters in its strings (tab, line feed and carriage return aside), no lone surrogate and no number
beyond 64 bits (nor an infinite one, nor NaN); the path and query string must hold no control characters
either. What the databases cannot store (PostgreSQL refuses NUL in text, both refuse integers past 64 bits)
and what would exhaust the parser's recursion is stopped here, once for all services, instead of failing deep
inside a route as a 500. Schema errors proper stay FastAPI's (422).

A `multipart/form-data` body on one of the service's `streamed_uploads` paths is passed through unread: its
route streams the file to disk itself, under its own limit (intake's attachments).
"""

import json
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import unquote

from shared.problems import FieldError, ProblemError, error_response, invalid

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32
INT64 = 2**63
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # a lone one, from a `\ud800` escape: no database stores it


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 streamed_uploads: Sequence[str] = ()) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.streamed = re.compile("|".join(f"(?:{path})" for path in streamed_uploads)) if streamed_uploads else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_url(scope)
            body = None if self._streamed(scope) else await self._body(scope, receive)
            if body is not None:
                _check_json(scope, body)
        except ProblemError as error:
            await error_response(error, scope.get("path"))(scope, receive, send)
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # the disconnect, when it comes

        await self.app(scope, replay, send)

    def _streamed(self, scope: Scope) -> bool:
        if self.streamed is None or not self.streamed.fullmatch(scope.get("path", "")):
            return False
        content_type: bytes = dict(scope.get("headers") or ()).get(b"content-type", b"")
        return content_type.split(b";")[0].strip().lower() == b"multipart/form-data"

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, read here so its size and content can be checked; None when there is none."""
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise _too_large(self.max_body_bytes)
        if length is None and b"chunked" not in headers.get(b"transfer-encoding", b""):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _too_large(self.max_body_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, zh=f"请求体不能超过 {limit} 字节", en=f"the request body must be at most {limit} bytes",
                        errors=[FieldError(field="body", zh=f"body:不能超过 {limit} 字节",
                                           en=f"body: at most {limit} bytes")])


def _check_url(scope: Scope) -> None:
    path = scope.get("path", "")
    if _CONTROL.search(path):
        raise invalid(FieldError(field="path", zh="path:路径含有控制字符", en="path: contains control characters"))
    query = scope.get("query_string", b"").decode("latin-1")
    for pair in query.split("&") if query else ():
        name, _, value = pair.partition("=")
        name = unquote(name.replace("+", " "), errors="replace")
        if _CONTROL.search(name) or _CONTROL.search(unquote(value.replace("+", " "), errors="replace")):
            field = name if not _CONTROL.search(name) else "query"
            raise invalid(
                FieldError(field=field, zh=f"{field}:含有控制字符", en=f"{field}: contains control characters")
            )


def _is_json(scope: Scope) -> bool:
    content_type: bytes = dict(scope.get("headers") or ()).get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type == b"application/json" or (content_type.startswith(b"application/")
                                                    and content_type.endswith(b"+json"))


def _check_json(scope: Scope, body: bytes) -> None:
    if not body or not _is_json(scope):
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise invalid(FieldError(field="body", zh=f"body:不是有效的 UTF-8(第 {error.start} 字节)",
                                 en=f"body: not valid UTF-8 (at byte {error.start})")) from None
    try:
        document = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_OutOfRange)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        return  # FastAPI words invalid JSON itself (422, json_invalid, with its position)
    _walk(document)


class _OutOfRange(str):
    """A number no field can hold (past 64 bits, infinite, NaN), kept as its text until named."""


def _integer(text: str) -> int | _OutOfRange:
    # Digits are counted before converting: Python refuses to convert past 4,300 digits.
    return _OutOfRange(text) if len(text.lstrip("-")) > 19 or not -INT64 <= int(text) < INT64 else int(text)


def _number(text: str) -> float | _OutOfRange:
    number = float(text)
    return _OutOfRange(text) if math.isinf(number) or math.isnan(number) else number


def _too_deep() -> ProblemError:
    return invalid(FieldError(field="body", zh=f"body:嵌套不能超过 {MAX_DEPTH} 层",
                              en=f"body: nested more than {MAX_DEPTH} levels"))


def _walk(document: Any) -> None:
    """Depth-first over the document without recursion, naming the first bad value's field."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, field, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            for key, item in value.items():
                name = f"{field}.{key}" if field else str(key)
                if _CONTROL.search(key) or _SURROGATE.search(key):
                    raise _control(field or "body")
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            stack.extend((item, f"{field}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, _OutOfRange):
            raise invalid(FieldError(field=field or "body", zh=f"{field or 'body'}:数值超出范围",
                                     en=f"{field or 'body'}: number out of range"))
        elif isinstance(value, str):
            if _CONTROL.search(value):
                raise _control(field or "body")
            if _SURROGATE.search(value):
                raise invalid(
                    FieldError(
                        field=field or "body",
                        zh=f"{field or 'body'}:含有无效的 Unicode 字符(孤立代理项)",
                        en=f"{field or 'body'}: contains an invalid Unicode character (a lone surrogate)",
                    )
                )


def _control(field: str) -> ProblemError:
    return invalid(FieldError(field=field, zh=f"{field}:含有控制字符", en=f"{field}: contains control characters"))
