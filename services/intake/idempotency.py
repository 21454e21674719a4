"""`Idempotency-Key` on creating POSTs: the first response is stored in the same transaction as the
effect and replayed for the same key; the same key with a different request is refused (422).

Records are scoped by route and kept `idempotency_ttl_hours` (pruned in the background).
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from shared.consuming import Unit
from shared.runtime import Runtime
from services.intake import store
from services.intake.domain.errors import InvalidInput

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Any unique string; a retry with the same key gets the first response"),
]
Work = Callable[[Unit], Awaitable[tuple[int, dict[str, Any]]]]


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: store.IdempotencyRecord, print_: str) -> JSONResponse:
    if record.fingerprint != print_:
        raise InvalidInput.single(
            field="Idempotency-Key", zh="该幂等键已用于另一个不同的请求",
            en="this Idempotency-Key was already used for a different request",
        )
    return JSONResponse(record.body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


async def run_once(runtime: Runtime, *, key: str | None, scope: str, payload: Any, work: Work) -> JSONResponse:
    """Run `work` in one unit of work, or replay the response stored for (`scope`, `key`)."""
    print_ = fingerprint(payload)
    try:
        async with runtime.unit() as unit:
            if key is not None:
                found = await store.find_idempotency_record(unit.session, scope=scope, key=key)
                if found is not None:
                    return _replay(found, print_)
            status_code, body = await work(unit)
            if key is not None:
                unit.session.add(store.IdempotencyRecord(
                    scope=scope, key=key, fingerprint=print_, status_code=status_code, body=body))
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        if key is None:
            raise
        async with runtime.sessions() as session:
            found = await store.find_idempotency_record(session, scope=scope, key=key)
        if found is None:
            raise
        return _replay(found, print_)
    return JSONResponse(body, status_code=status_code)
