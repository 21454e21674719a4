"""Routing's domain errors as problems (shared.problems): a status by error class, the message in
Chinese and English, and the error's stable code as `code`."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from sqlalchemy.exc import IntegrityError

from shared.problems import FieldError, ProblemError, invalid, invalid_field
from services.routing.domain.errors import (
    CatalogueInvalid,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    PackRejected,
    RoutingError,
    SelfApproval,
    VersionMismatch,
    WrongDepartment,
)

_STATUS: dict[type[RoutingError], int] = {
    NotFound: 404, WrongDepartment: 403, SelfApproval: 403, InvalidTransition: 409, InvalidRequest: 422,
    CatalogueInvalid: 422, VersionMismatch: 412,
}


def field_error(field: str, *, en: str, zh: str) -> NoReturn:
    raise invalid_field(field, zh=zh, en=en)


@contextmanager
def domain_errors(*, unknown_is_invalid: str | None = None) -> Iterator[None]:
    """Turn a RoutingError (raised before anything was committed) into its problem.

    ``unknown_is_invalid`` names the body field whose unknown value (a department, a matter) is the client's
    mistake: 422 on that field rather than 404 on the path.
    """
    try:
        yield
    except PackRejected as error:
        raise invalid(*(FieldError(field=f"pack.{path}", zh=f"辖区配置包字段 {path}：{text}", en=f"{path}: {text}")
                        for path, text in error.problems)) from error
    except RoutingError as error:
        zh, en = error.message_zh, error.message_en
        if unknown_is_invalid and isinstance(error, NotFound | CatalogueInvalid):
            raise invalid(FieldError(field=unknown_is_invalid, zh=zh, en=en)) from error
        status = _STATUS.get(type(error), 400)
        errors = [FieldError(field="body", zh=zh, en=en)] if status == 422 else []
        raise ProblemError(status, zh=zh, en=en, errors=errors, code=error.code) from error
    except IntegrityError as error:
        raise ProblemError(409, zh="数据已被同时修改，请刷新后重试", en="changed concurrently; read it again and retry",
                           code="conflict") from error
