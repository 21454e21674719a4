"""Intake's HTTP routes: register and read cases."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from shared.events.case import CaseAccepted, CaseForwarded, CaseRegistered, Channel, Tier
from shared.health import RuntimeDep
from shared.runtime import Runtime
from shared.topics import CASE_EVENTS
from services.intake import store

router = APIRouter(prefix="/cases", tags=["cases"])
SHANGHAI = ZoneInfo("Asia/Shanghai")


class CaseCreate(BaseModel):
    hall: str = Field(min_length=1, max_length=32, examples=["DEMO"])
    channel: Channel
    problem_kind: str = Field(min_length=1, max_length=64)
    matter_code: str | None = Field(default=None, max_length=64)
    description: str = Field(min_length=1, max_length=4000)
    tier: Tier = "general"
    green_channel: bool = False
    applicant_kind: Literal["person", "enterprise"]
    applicant_name: str = Field(min_length=1, max_length=100)
    applicant_phone: str = Field(min_length=5, max_length=20)
    forward: bool = Field(default=True, description="Accept and forward (登记转发) at once")


class CasePublic(BaseModel):
    id: str
    case_number: str
    district: str
    hall: str
    channel: str
    problem_kind: str
    matter_code: str | None
    tier: str
    state: str
    created_at: datetime


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CasePublic)
async def register_case(case_in: CaseCreate, runtime: RuntimeDep) -> store.Case:
    """Register a case (登记) and announce it on the case stream."""
    now = datetime.now(UTC)
    async with runtime.unit() as unit:
        local_day = now.astimezone(SHANGHAI).date()
        sequence = await store.next_sequence(unit.session, hall=case_in.hall, day=local_day)
        case = store.Case(
            **case_in.model_dump(exclude={"forward"}),
            case_number=f"{case_in.hall}-{local_day:%Y%m%d}-{sequence:04d}",
            district=runtime.settings.district,
            state="registered",
            created_at=now,
            updated_at=now,
        )
        unit.session.add(case)
        await unit.emit(
            CaseRegistered(
                case_number=case.case_number,
                hall=case.hall,
                channel=case_in.channel,
                problem_kind=case.problem_kind,
                matter_code=case.matter_code,
                description=case.description,
                tier=case_in.tier,
                green_channel=case.green_channel,
                applicant_kind=case_in.applicant_kind,
                applicant_masked=case.applicant_name[:1] + "*",
            ),
            topic=CASE_EVENTS,
            case_id=case.id,
            district=case.district,
            hall=case.hall,
            actor="staff:window",
        )
        if case_in.forward:
            case.state = "dispatched"
            await unit.emit(CaseAccepted(case_number=case.case_number), topic=CASE_EVENTS, case_id=case.id,
                            district=case.district, hall=case.hall, actor="staff:window")
            await unit.emit(
                CaseForwarded(
                    case_number=case.case_number,
                    hall=case.hall,
                    problem_kind=case.problem_kind,
                    matter_code=case.matter_code,
                    description=case.description,
                    tier=case_in.tier,
                    green_channel=case.green_channel,
                ),
                topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor="staff:window",
            )
    return case


@router.get("/{case_id}", response_model=CasePublic)
async def read_case(case_id: str, runtime: RuntimeDep) -> store.Case:
    """One case by id."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    return case
