"""The citizen's status lookup, POST /status-lookup: case number plus the phone's last four digits, no login.

An unknown number and a wrong phone get the same 404, so the answer never tells whether a number
exists; both count against the limits (`deps.LookupLimits`, `domain/ratelimit.py`). Only masked personal
data is shown; the one case's phone is opened to compare its last digits.
"""

from hmac import compare_digest

from fastapi import APIRouter, Request, status

from shared.auth.http import PUBLIC
from shared.problems import ProblemError, not_found
from services.intake import store
from services.intake.api.deps import CatalogueDep, LookupLimitsDep, RuntimeDep
from services.intake.api.models import CaseStatusPublic, LookupItem, PendingMissingItem, StatusLookupIn
from services.intake.domain.case_number import parse_case_number
from services.intake.domain.lifecycle import STATE_LABELS_ZH, CaseState
from services.intake.domain.phone import phone_last_four
from services.intake.store.personal_data import opened

router = APIRouter(tags=["citizen"])


def _too_many(retry_after: int) -> ProblemError:
    return ProblemError(status.HTTP_429_TOO_MANY_REQUESTS, zh="查询过于频繁,请稍后再试",
                        en="too many lookups; try again later", headers={"Retry-After": str(retry_after)})


@router.post("/status-lookup", response_model=CaseStatusPublic, openapi_extra=PUBLIC,
             responses={429: {"description": "Too many lookups from this client or for this case"}})
async def status_lookup(body: StatusLookupIn, request: Request, runtime: RuntimeDep, limits: LookupLimitsDep,
                        catalogue: CatalogueDep) -> CaseStatusPublic:
    """Where my case stands (no login): case number and the last four digits of the phone."""
    client = request.client.host if request.client else "unknown"
    if limits.per_client.exhausted(client):
        raise _too_many(limits.per_client.retry_after_s(client))
    limits.per_client.record(client)
    number = str(parse_case_number(body.case_number))
    if limits.failures_per_case.exhausted(number):
        raise _too_many(limits.failures_per_case.retry_after_s(number))
    async with runtime.sessions() as session:
        case = await store.find_case_by_number(session, case_number=number)
        phone = None if case is None else opened(runtime.keyring, case.model_dump(), ("phone",))["phone"]
        if case is None or not compare_digest(phone_last_four(phone), body.phone_last4):
            limits.failures_per_case.record(number)
            raise not_found(zh="案件编号或手机号后四位不正确", en="no case matches this number and phone")
        pending = [m for m in await store.missing_items(session, case_id=case.id) if m.state == "pending"]
        items = await store.batch_items(session, case_id=case.id)
    hall, _district = catalogue.hall(case.hall)
    return CaseStatusPublic(
        case_number=case.case_number,
        state=case.state,
        state_zh=STATE_LABELS_ZH[CaseState(case.state)],
        applicant=case.applicant_masked["name"],
        phone=case.applicant_masked["phone"],
        hall=hall.name_zh,
        contact_phone=hall.contact_phone,
        registered_at=case.created_at,
        updated_at=case.updated_at,
        reply=case.reply,
        missing_items_pending=[PendingMissingItem(name=m.name, due_on=m.due_on) for m in pending],
        items=[LookupItem(item_no=i.item_no, label=i.label, state=i.state) for i in items],
    )
