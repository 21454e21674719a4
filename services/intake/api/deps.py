"""What intake's routes depend on, as typed `Annotated` aliases: the runtime and the settings it was built with
(tests build it with their own), the district catalogue those settings name, the caller by the permission the
route declares, an Idempotency-Key; and the helpers every resource shares: the case a route acts on, the
answer an idempotent route sends."""

from hmac import compare_digest
from typing import TYPE_CHECKING, Annotated

import orjson
from fastapi import Depends, Header, Path, Request, Response, status

from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.health import get_runtime
from shared.problems import ProblemError, not_found
from services.intake import store
from services.intake.api.errors import case_not_found
from services.intake.config import IntakeSettings
from services.intake.domain.case_number import parse_case_number
from services.intake.domain.districts import DistrictCatalogue
from services.intake.domain.phone import phone_last_four
from services.intake.domain.ratelimit import SlidingWindow
from services.intake.store.idempotency import Answer
from services.intake.store.personal_data import opened

if TYPE_CHECKING:
    from services.intake.app import IntakeRuntime

RuntimeDep = Annotated["IntakeRuntime", Depends(get_runtime)]


async def get_runtime_settings(runtime: RuntimeDep) -> IntakeSettings:
    # async, as every dependency here: FastAPI runs a sync one in its thread pool, a thread hop per request.
    return runtime.settings


SettingsDep = Annotated[IntakeSettings, Depends(get_runtime_settings)]


async def get_catalogue(runtime: RuntimeDep) -> DistrictCatalogue:
    return runtime.catalogue


CatalogueDep = Annotated[DistrictCatalogue, Depends(get_catalogue)]

# The caller, authorized for the route's permission (shared/auth/policy.py); a case's own scope is checked
# once the case is read (`load_case`).
Registrar = Annotated[Principal, Authorize("case.register")]
CaseCounter = Annotated[Principal, Authorize("case.count")]
CaseReader = Annotated[Principal, Authorize("case.read")]
CaseActor = Annotated[Principal, Authorize("case.act")]
CasePrinter = Annotated[Principal, Authorize("case.print")]
Revealer = Annotated[Principal, Authorize("personal_data.reveal")]
ApplicantSearcher = Annotated[Principal, Authorize("case.find_by_applicant")]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Any unique string; a retry with the same key gets the first response"),
]

ItemNo = Annotated[int, Path(ge=0, le=2**31 - 1)]  # a missing item's or batch item's number on its case


class LookupLimits:
    """The citizen's status lookup: requests per client address, and wrong answers per case number."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.per_client = SlidingWindow(limit=settings.lookup_requests_per_minute, window_s=60)
        self.failures_per_case = SlidingWindow(
            limit=settings.lookup_failures_per_case, window_s=settings.lookup_failure_window_s)


async def get_lookup_limits(request: Request, settings: SettingsDep) -> LookupLimits:
    """The app's own counters, made on the first lookup."""
    state = request.app.state
    if not hasattr(state, "lookup_limits"):
        state.lookup_limits = LookupLimits(settings)
    return state.lookup_limits


LookupLimitsDep = Annotated[LookupLimits, Depends(get_lookup_limits)]


def too_many(retry_after: int, *, zh: str = "查询过于频繁,请稍后再试", en: str = "too many lookups; try again later",
             ) -> ProblemError:
    return ProblemError(status.HTTP_429_TOO_MANY_REQUESTS, zh=zh, en=en, headers={"Retry-After": str(retry_after)})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def case_by_number_and_digits(runtime: "IntakeRuntime", limits: LookupLimits, *, client: str,
                                    case_number: str, phone_last4: str) -> store.Case:
    """The case with this number whose applicant's phone ends in these four digits (the citizen's status lookup
    and follow, no login). An unknown number and a wrong phone get the same 404, so the answer never tells
    whether a number exists; both count against the limits (`LookupLimits`, `domain/ratelimit.py`). The one
    case's phone is opened to compare its last digits (constant-time)."""
    if limits.per_client.exhausted(client):
        raise too_many(limits.per_client.retry_after_s(client))
    limits.per_client.record(client)
    number = str(parse_case_number(case_number))
    if limits.failures_per_case.exhausted(number):
        raise too_many(limits.failures_per_case.retry_after_s(number))
    async with runtime.sessions() as session:
        case = await store.find_case_by_number(session, case_number=number)
    phone = None if case is None else opened(runtime.keyring, case.model_dump(), ("phone",))["phone"]
    if case is None or not compare_digest(phone_last_four(phone), phone_last4):
        limits.failures_per_case.record(number)
        raise not_found(zh="案件编号或手机号后四位不正确", en="no case matches this number and phone")
    return case


def require_case(principal: Principal, permission: str, case: store.Case) -> None:
    """403 unless the principal may do `permission` on this case (its district and hall)."""
    require(principal, permission, Scope(district=case.district, hall=case.hall))


async def load_case(unit: Unit, case_id: str, *, principal: Principal, permission: str) -> store.Case:
    """The case, in the unit's session; 404 if there is none, 403 if it is beyond the principal's scope."""
    case = await store.get_case(unit.session, case_id=case_id)
    if case is None:
        raise case_not_found(case_id)
    require_case(principal, permission, case)
    return case


def respond(answer: Answer) -> Response:
    """The answer as JSON, marked when it replays one stored for an Idempotency-Key."""
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(orjson.dumps(answer.body), status_code=answer.status_code, headers=headers,
                    media_type="application/json")
