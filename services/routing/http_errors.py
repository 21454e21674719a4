"""Domain errors as HTTP answers: a status by error class and a detail naming the field, in English and Chinese."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from fastapi import HTTPException
from sqlalchemy.exc import IntegrityError

from services.routing.domain.errors import (CatalogueInvalid, InvalidRequest, InvalidTransition, NotFound,
                                            RoutingError, SelfApproval, WrongDepartment)

_STATUS: dict[type[RoutingError], int] = {
    NotFound: 404, WrongDepartment: 403, SelfApproval: 403, InvalidTransition: 409, InvalidRequest: 422, CatalogueInvalid: 422,
}


def _detail(loc: list[str], kind: str, en: str, zh: str) -> list[dict[str, object]]:
    # The shape of FastAPI's own validation errors, plus the Chinese message staff read.
    return [{"loc": loc, "type": kind, "msg": en, "msg_zh": zh}]


def field_error(field: str, *, en: str, zh: str) -> NoReturn:
    raise HTTPException(422, detail=_detail(["body", field], "invalid_request", en, zh))


@contextmanager
def domain_errors(*, unknown_is_invalid: str | None = None) -> Iterator[None]:
    """Turn a RoutingError (raised before anything was committed) into its HTTP answer.

    ``unknown_is_invalid`` names the body field whose unknown value (a department, a matter) is the client's
    mistake: 422 on that field rather than 404 on the path.
    """
    try:
        yield
    except RoutingError as error:
        status, loc = _STATUS.get(type(error), 400), []
        if unknown_is_invalid and isinstance(error, NotFound | CatalogueInvalid):
            status, loc = 422, ["body", unknown_is_invalid]
        raise HTTPException(status, detail=_detail(loc, error.code, error.message_en, error.message_zh)) from error
    except IntegrityError as error:
        raise HTTPException(409, detail=_detail([], "conflict", "changed concurrently; read it again and retry",
                                                "数据已被同时修改，请刷新后重试")) from error
