"""sla's public request and response models."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from shared.api_models import PublicModel, UtcDateTime
from services.sla.domain.countdown import Standing, countdown
from services.sla.domain.rules import Rules
from services.sla.store import Deadline


class PausePublic(BaseModel):
    started_at: UtcDateTime
    ended_at: UtcDateTime | None
    reason: str


class DeadlinePublic(PublicModel):
    """A deadline (时限) of a case's reply or of one work order, as the schedule stands."""

    id: str
    case_id: str
    subject: str
    subject_id: str
    department: str | None
    district: str
    hall: str | None
    tier: str
    state: str
    clock_started_at: UtcDateTime | None
    clock_start: str
    pauses: list[PausePublic]
    extension_working_days: int
    due_at: UtcDateTime | None
    paused: bool
    assumed_weekdays: bool
    fired: list[str]
    next_firing_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    on_time: bool | None
    standing: Standing = Field(description="on_track | warning (预警) | overdue | paused (已暂停) | waiting (未起算) | "
                                            "closed")
    working_days_left: int | None = Field(description="working days to the due day, negative once overdue; null "
                                                      "unless the clock runs")

    @classmethod
    def shown(cls, row: Deadline, *, rules: Rules, now: datetime) -> "DeadlinePublic":
        """The row with its countdown at `now`, on its district's calendar."""
        left = countdown(state=row.state, due_at=row.due_at, paused=row.paused, fired=row.fired, now=now,
                         calendar=rules.calendar(row.district), zone=rules.policy(row.district).office_hours.zone)
        stored = {name: getattr(row, name) for name in cls.model_fields if name not in _COUNTDOWN}
        return cls.model_validate({**stored, "standing": left.standing, "working_days_left": left.working_days_left})


_COUNTDOWN = ("standing", "working_days_left")


class UrgingNoticePublic(BaseModel):
    sent_at: UtcDateTime
    channel: str
    recipient: str
    text: str


class SupervisionPublic(BaseModel):
    id: str
    case_id: str
    work_order_id: str | None
    colour: str
    reason: str
    department: str
    hall: str
    district: str
    opened_at: UtcDateTime
    red_at: UtcDateTime | None
    urging_notices: list[UrgingNoticePublic]


class BoardGroupPublic(BaseModel):
    key: dict[str, str]
    count: int
    items: list[SupervisionPublic]


class UrgeIn(BaseModel):
    text: str = Field(min_length=1, max_length=500, description="催办内容")
    channel: str = Field(default="notify", min_length=1)
    recipient: str | None = Field(default=None, description="Default: the item's department")


class CalendarStatus(BaseModel):
    known_years: dict[str, list[int]]  # by district
    unknown_years_ahead: list[int]  # this year and next, if a calendar does not know them
    open_deadlines_assumed: int  # open deadlines counted over assumed weekdays
    overrides_path: str
    loaded_at: UtcDateTime
    banner_zh: str | None
    banner_en: str | None


class ReloadResult(BaseModel):
    changed_days: dict[str, list[str]]
    recomputed: int
    rearmed: int


class ClockIn(BaseModel):
    now: AwareDatetime


class ClockOut(BaseModel):
    now: UtcDateTime
    offset_s: float
