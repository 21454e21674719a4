"""One error shape for every rejection, in Chinese and English, naming the field.

422: `{"detail": [{"field": "applicant.id_number", "zh": "...", "en": "..."}]}` — from the domain's
`InvalidInput` and from FastAPI's schema validation alike. 409: `{"detail": {"zh", "en",
"allowed_actions"}}` from a `DomainConflict` (an illegal transition says what is allowed now).
"""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.intake.domain.errors import DomainConflict, FieldProblem, InvalidInput
from services.intake.domain.lifecycle import IllegalTransition

_ZH_BY_TYPE = {
    "missing": "为必填项",
    "string_too_long": "不能超过{max_length}个字符",
    "string_too_short": "不能少于{min_length}个字符",
    "too_long": "最多{max_length}项",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值无效,可选:{expected}",
    "literal_error": "取值无效,可选:{expected}",
    "extra_forbidden": "是不允许的字段",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "date_from_datetime_parsing": "日期格式不正确,应为 YYYY-MM-DD",
    "date_parsing": "日期格式不正确,应为 YYYY-MM-DD",
    "date_type": "日期格式不正确,应为 YYYY-MM-DD",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "string_type": "应为字符串",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
}


def field_name(loc: Sequence[str | int]) -> str:
    """`("body", "missing_items", 0, "name")` → `missing_items[0].name`, as the domain names fields."""
    name = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def problem_from_pydantic(error: dict[str, Any]) -> FieldProblem:
    field = field_name(error.get("loc", ()))
    context = {key: value for key, value in (error.get("ctx") or {}).items()}
    template = _ZH_BY_TYPE.get(error.get("type", ""), "输入无效")
    try:
        zh = template.format(**context)
    except (KeyError, IndexError):
        zh = template.split("{")[0].rstrip(",:") or "输入无效"
    return FieldProblem(field=field, zh=f"{field}:{zh}", en=f"{field}: {error.get('msg', 'invalid input')}")


def unprocessable(problems: Sequence[FieldProblem]) -> JSONResponse:
    detail = [{"field": p.field, "zh": p.zh, "en": p.en} for p in problems]
    return JSONResponse({"detail": detail}, status_code=422)


def conflict_body(error: DomainConflict) -> dict[str, Any]:
    body: dict[str, Any] = {"zh": error.zh, "en": error.en}
    if isinstance(error, IllegalTransition):
        body["state"] = error.state.value
        body["allowed_actions"] = [action.value for action in error.allowed]
    return body


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _schema(_request: Request, error: RequestValidationError) -> JSONResponse:
        return unprocessable([problem_from_pydantic(e) for e in error.errors()])

    @app.exception_handler(InvalidInput)
    async def _invalid(_request: Request, error: InvalidInput) -> JSONResponse:
        return unprocessable(error.problems)

    @app.exception_handler(DomainConflict)
    async def _conflict(_request: Request, error: DomainConflict) -> JSONResponse:
        return JSONResponse({"detail": conflict_body(error)}, status_code=status.HTTP_409_CONFLICT)
