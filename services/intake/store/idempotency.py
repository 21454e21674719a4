"""`Idempotency-Key` on creating POSTs: the first response is stored in the same transaction as the
effect and replayed for the same key; the same key with a different request is refused (422).

Records are scoped by route and kept `idempotency_ttl_hours` (pruned in the background).
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.runtime import Runtime
from services.intake import store
from services.intake.domain.errors import InvalidInput

Work = Callable[[Unit], Awaitable[tuple[int, dict[str, Any]]]]


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Answer:
    """A response to give (its status and JSON body), and whether it replays one stored for an Idempotency-Key;
    the routes send it (`api/deps.py`'s `respond`)."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A request's claim on (`scope`, `key`), with the fingerprint a replay must match."""

    scope: str
    key: str
    fingerprint: str

    def record(self, answer: Answer) -> store.IdempotencyRecord:
        return store.IdempotencyRecord(scope=self.scope, key=self.key, fingerprint=self.fingerprint,
                                       status_code=answer.status_code, body=answer.body)

    def replay(self, record: store.IdempotencyRecord) -> Answer:
        """The stored answer; `InvalidInput` when the key was used for another request."""
        if record.fingerprint != self.fingerprint:
            raise InvalidInput.single(
                field="Idempotency-Key", zh="该幂等键已用于另一个不同的请求",
                en="this Idempotency-Key was already used for a different request",
            )
        return Answer(status_code=record.status_code, body=record.body, replayed=True)


def claim_for(*, key: str | None, scope: str, body: BaseModel) -> Claim | None:
    """The claim of a request with `body`; the body is serialised only when there is a key."""
    return None if key is None else Claim(scope=scope, key=key, fingerprint=fingerprint(body.model_dump(mode="json")))


async def stored_answer(runtime: Runtime, claim: Claim) -> Answer | None:
    """The replay of what was stored for the claim's key, if anything was."""
    async with runtime.sessions() as session:
        found = await store.find_idempotency_record(session, scope=claim.scope, key=claim.key)
    return None if found is None else claim.replay(found)


async def run_once(runtime: Runtime, *, key: str | None, scope: str, payload: Any, work: Work,
                   acting: Principal | None = None) -> Answer:
    """Run `work` in one unit of work by `acting`, or replay the response stored for (`scope`, `key`) by the
    same principal: another principal's key never replays its answer."""
    if acting is not None:
        scope = f"{scope} by {acting.actor}"
    claim = None if key is None else Claim(scope=scope, key=key, fingerprint=fingerprint(payload))
    try:
        async with runtime.unit(acting) as unit:
            if claim is not None:
                found = await store.find_idempotency_record(unit.session, scope=scope, key=claim.key)
                if found is not None:
                    return claim.replay(found)
            status_code, body = await work(unit)
            answer = Answer(status_code=status_code, body=body)
            if claim is not None:
                unit.session.add(claim.record(answer))
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        replay = await stored_answer(runtime, claim) if claim is not None else None
        if replay is None:
            raise
        return replay
    return answer
