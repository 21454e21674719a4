"""One error shape for every service: RFC 9457 problem details (`application/problem+json`).

Every refusal answers `{type, title, status, detail, instance, zh, en, errors?}`: `detail` is the
English message, `zh` and `en` say it in both languages, and a 422 lists each offending field in
`errors` (`{field: "applicant.phone", zh, en}`), named as the domain names fields. Services raise
`ProblemError` (or map their domain errors to it with `Runtime.problems`); FastAPI's schema
validation, `HTTPException`s and any unhandled exception are turned into the same shape here.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

_ZH_TITLES = {
    400: "请求有误", 401: "未认证", 403: "无权执行此操作", 404: "未找到", 405: "不支持此请求方法",
    406: "无法提供所要求的格式", 409: "与当前状态冲突", 413: "请求体过大", 415: "不支持的内容类型",
    422: "输入有误", 429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用",
}

# pydantic's error types, worded in Chinese (its English message is kept as `en`).
_ZH_BY_TYPE = {
    "missing": "为必填项",
    "string_too_long": "不能超过{max_length}个字符",
    "string_too_short": "不能少于{min_length}个字符",
    "too_long": "最多{max_length}项",
    "too_short": "至少{min_length}项",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值无效,可选:{expected}",
    "literal_error": "取值无效,可选:{expected}",
    "extra_forbidden": "是不允许的字段",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "不能大于{le}",
    "date_from_datetime_parsing": "日期格式不正确,应为 YYYY-MM-DD",
    "date_parsing": "日期格式不正确,应为 YYYY-MM-DD",
    "date_type": "日期格式不正确,应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确,应为 ISO 8601",
    "datetime_from_date_parsing": "时间格式不正确,应为 ISO 8601",
    "datetime_type": "时间格式不正确,应为 ISO 8601",
    "timezone_aware": "时间须带时区",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "string_type": "应为字符串",
    "string_unicode": "应为有效的 UTF-8 文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "int_parsing_size": "整数超出范围",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限数字",
    "value_error": "取值无效",
    "union_tag_invalid": "类型无效",
    "union_tag_not_found": "缺少类型字段",
}


class FieldError(BaseModel):
    """What is wrong with one field, in both languages."""

    field: str = Field(examples=["applicant.phone"])
    zh: str
    en: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the message in Chinese and English."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    zh: str
    en: str
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """A refusal with its status, message in both languages, fields at fault and extension members."""

    def __init__(self, status: int, *, zh: str, en: str, errors: Iterable[FieldError] = (),
                 headers: Mapping[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extensions = extensions

    def problem(self, instance: str | None = None) -> Problem:
        return Problem(title=HTTPStatus(self.status).phrase, status=self.status, detail=self.en, instance=instance,
                       zh=self.zh, en=self.en, errors=self.errors, **self.extensions)


def invalid(*errors: FieldError) -> ProblemError:
    """422 naming each field at fault; the summary repeats the first field's message."""
    first = errors[0]
    zh = first.zh if len(errors) == 1 else f"{first.zh}(共{len(errors)}处)"
    en = first.en if len(errors) == 1 else f"{first.en} (and {len(errors) - 1} more)"
    return ProblemError(422, zh=zh, en=en, errors=errors)


def invalid_field(field: str, *, zh: str, en: str) -> ProblemError:
    return invalid(FieldError(field=field, zh=zh, en=en))


def not_found(*, zh: str, en: str) -> ProblemError:
    return ProblemError(404, zh=zh, en=en)


def field_name(loc: Sequence[str | int]) -> str:
    """`("body", "missing_items", 0, "name")` → `missing_items[0].name`, as the domain names fields;
    a query, path or header parameter keeps its own name."""
    name = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or (str(loc[0]) if loc else "body")


def field_error_from_pydantic(error: Mapping[str, Any]) -> FieldError:
    # Invalid JSON is located by its character position: the field at fault is the whole body.
    field = "body" if error.get("type") == "json_invalid" else field_name(error.get("loc", ()))
    template = _ZH_BY_TYPE.get(error.get("type", ""), "输入无效")
    try:
        zh = template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        zh = template.split("{")[0].rstrip(",:") or "输入无效"
    return FieldError(field=field, zh=f"{field}:{zh}", en=f"{field}: {error.get('msg', 'invalid input')}")


def from_validation(errors: Iterable[Mapping[str, Any]]) -> ProblemError:
    return invalid(*(field_error_from_pydantic(e) for e in errors))


def response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(mode="json", exclude_none=True), status_code=problem.status,
                        headers=dict(headers or {}), media_type=MEDIA_TYPE)


def error_response(error: ProblemError, instance: str | None) -> JSONResponse:
    return response(error.problem(instance), error.headers)


def _from_http_exception(error: StarletteHTTPException) -> ProblemError:
    detail = error.detail
    if isinstance(detail, Mapping) and {"zh", "en"} <= detail.keys():
        extensions = {k: v for k, v in detail.items() if k not in ("zh", "en")}
        return ProblemError(error.status_code, zh=detail["zh"], en=detail["en"], headers=error.headers, **extensions)
    en = detail if isinstance(detail, str) and detail else HTTPStatus(error.status_code).phrase
    zh = _ZH_TITLES.get(error.status_code, en)
    return ProblemError(error.status_code, zh=zh, en=en, headers=error.headers)


def install(app: FastAPI) -> None:
    """Answer every error of `app` as a problem (a service adds its domain errors with `translate`)."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> JSONResponse:
        return error_response(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _schema(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(from_validation(error.errors()), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(_from_http_exception(error), request.url.path)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, error: Exception) -> JSONResponse:
        # Starlette logs the exception with its traceback after this answer; nothing internal is shown.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
        return error_response(ProblemError(500, zh="服务器内部错误,已记录,请稍后重试",
                                           en="internal error; it was logged, try again later"),
                              request.url.path)


def translate(app: FastAPI, exception: type[Exception], to_problem: "Any") -> None:
    """Answer a domain exception as the problem `to_problem(error)` makes of it."""

    async def _handler(request: Request, error: Exception) -> JSONResponse:
        return error_response(to_problem(error), request.url.path)

    app.add_exception_handler(exception, _handler)


def zh_title(status: int) -> str:
    return _ZH_TITLES.get(status, HTTPStatus(status).phrase)
