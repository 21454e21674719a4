"""The 12345 hotline in, POST /hotline/12345/orders: a signed webhook that creates or updates a case, once per
order revision.

Signature (shared.webhook_signing): hex HMAC-SHA256 over `timestamp + "." + raw body`, 300 s
tolerance, constant-time compare; a delivery id seen before is a replay. Both → 401, nothing
stored. The order id maps to one case; a delivery whose revision is not newer than the case's
changes nothing (12345 retries freely). Field mapping: docs/intake-12345.md.
"""

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from shared.auth.http import SIGNED_WEBHOOK
from shared.consuming import Unit
from shared.events.case import CaseDescriptionUpdated
from shared.masking import mask_text
from shared.personal_data import Keyring
from shared.problems import ProblemError, from_validation
from shared.topics import CASE_EVENTS
from shared.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from services.intake import store
from services.intake.api.deps import CatalogueDep, RuntimeDep
from services.intake.api.models import HotlineOrder, HotlineOrderResult
from services.intake.commands import ActionIn, ApplicantIn, CaseCreate, Origin
from services.intake.domain.districts import DistrictCatalogue
from services.intake.domain.lifecycle import ActionKind
from services.intake.domain.text import validate_description
from services.intake.store.actions import act_on_case
from services.intake.store.registration import register_case

router = APIRouter(prefix="/hotline/12345", tags=["12345 hotline"])
HOTLINE_ACTOR = "system:hotline12345"  # the signed webhook stands in for its token


def _unauthorised(zh: str, en: str) -> ProblemError:
    return ProblemError(status.HTTP_401_UNAUTHORIZED, zh=zh, en=en)


def _verified(request: Request, body: bytes, *, secret: str, tolerance: float) -> str:
    """The delivery id of a correctly signed, fresh request; 401 otherwise."""
    headers = request.headers
    timestamp, delivery, received = (headers.get(h, "") for h in (TIMESTAMP_HEADER, DELIVERY_HEADER, SIGNATURE_HEADER))
    if not (timestamp and delivery and received) or len(delivery) > 128:
        raise _unauthorised("缺少签名头", "missing signature headers")
    if not verify(secret=secret, timestamp=timestamp, body=body, received=received, now=time.time(),
                  tolerance=tolerance):
        raise _unauthorised("签名无效或已过期", "invalid or expired signature")
    return delivery


def _case_create(order: HotlineOrder) -> CaseCreate:
    caller = order.caller
    return CaseCreate(
        hall=order.hall, channel="hotline_12345", problem_kind=order.category, matter_code=order.matter_code,
        description=order.content, green_channel=order.urgent, forward=False,
        applicant=ApplicantIn(kind=caller.kind, name=caller.name, phone=caller.phone, id_type=caller.id_type,
                              id_number=caller.id_number, credit_code=caller.credit_code),
    )


async def _apply(
    unit: Unit, order: HotlineOrder, *, catalogue: DistrictCatalogue, keyring: Keyring,
) -> HotlineOrderResult:
    now = datetime.now(UTC)
    case = await store.find_case_by_hotline_order(unit.session, order_id=order.order_id)
    created = case is None
    if created:
        origin = Origin(actor=HOTLINE_ACTOR, hotline_order_id=order.order_id, hotline_revision=order.revision)
        case = await register_case(unit, catalogue=catalogue, case_in=_case_create(order), origin=origin, now=now,
                                   keyring=keyring)
    elif order.revision <= (case.hotline_revision or 0):
        return HotlineOrderResult(case_id=case.id, case_number=case.case_number, created=False, applied=False)
    else:
        description = validate_description(order.content)
        if description != case.description:
            case.description, case.updated_at = description, now
            await unit.emit(
                CaseDescriptionUpdated(case_number=case.case_number, description=mask_text(description),
                                       source="hotline_12345", hotline_revision=order.revision),
                topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor=HOTLINE_ACTOR,
            )
        case.hotline_revision = order.revision
        unit.session.add(case)
    if order.status == "withdrawn" and case.state != "withdrawn":
        withdraw = ActionIn(action=ActionKind.withdraw, reason=order.withdraw_reason or "来电人撤回(12345)")
        await act_on_case(unit, case=case, action_in=withdraw, actor=HOTLINE_ACTOR, now=now)
    return HotlineOrderResult(case_id=case.id, case_number=case.case_number, created=created, applied=True)


@router.post("/orders", response_model=HotlineOrderResult,
             responses={201: {"model": HotlineOrderResult, "description": "A new case was registered"},
                        401: {"description": "Missing, invalid or expired signature, or a replayed delivery"}},
             openapi_extra={**SIGNED_WEBHOOK, "requestBody": {"required": True, "content": {"application/json": {
                 "schema": HotlineOrder.model_json_schema(
                     ref_template="#/paths/~1hotline~112345~1orders/post/requestBody/content/application~1json/schema/$defs/{model}")}}}})
async def receive_hotline_order(request: Request, response: Response, runtime: RuntimeDep,
                                catalogue: CatalogueDep) -> HotlineOrderResult:
    """A 12345 order, created or changed on the hotline's side (signed webhook)."""
    body = await request.body()
    settings = runtime.settings
    delivery = _verified(request, body, secret=settings.signing_secret, tolerance=settings.webhook_tolerance_s)
    try:
        order = HotlineOrder.model_validate_json(body)
    except ValidationError as error:
        raise from_validation(error.errors()) from None
    try:
        async with runtime.unit() as unit:
            if await store.delivery_seen(unit.session, delivery_id=delivery):
                raise _unauthorised("重复投递(重放)", "delivery already received (replay)")
            unit.session.add(store.HotlineDelivery(delivery_id=delivery))
            result = await _apply(unit, order, catalogue=catalogue, keyring=runtime.keyring)
    except IntegrityError:
        async with runtime.sessions() as session:
            if not await store.delivery_seen(session, delivery_id=delivery):
                raise  # another conflict (the same new order twice at once): 500, and 12345 retries
        raise _unauthorised("重复投递(重放)", "delivery already received (replay)") from None
    response.status_code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return result
