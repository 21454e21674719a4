"""What intake's routes depend on, as typed `Annotated` aliases: the runtime and the settings it was built with
(tests build it with their own), the district catalogue those settings name, the caller by the permission the
route declares, an Idempotency-Key; and the helpers every resource shares: the case a route acts on, the
answer an idempotent route sends."""

from typing import TYPE_CHECKING, Annotated

import orjson
from fastapi import Depends, Header, Path, Request, Response

from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.health import get_runtime
from services.intake import store
from services.intake.api.errors import case_not_found
from services.intake.config import IntakeSettings
from services.intake.domain.districts import DistrictCatalogue
from services.intake.domain.ratelimit import SlidingWindow
from services.intake.store.idempotency import Answer

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
