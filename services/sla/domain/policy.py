"""Per-district SLA policy: sla's part of each district pack (`shared/districts`)."""

from datetime import time
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.districts import DistrictPack, load_packs, schema


class UnknownTier(LookupError):
    """The event names a tier the district's policy does not define."""


class DeadlineSubject(StrEnum):
    CASE_REPLY = "case_reply"  # the case's answer to the citizen
    WORK_ORDER = "work_order"  # 工单, one per department


class ClockStart(StrEnum):
    """The event whose instant starts a deadline's clock."""

    REGISTERED = "registered"  # 登记
    ACCEPTED = "accepted"  # 受理
    DISPATCHED = "dispatched"  # 转办
    SIGNED_FOR = "signed_for"  # 签收


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(_Frozen):
    working_days: int = Field(ge=0, description="0 means handled at once (即受即办): same day")
    label: str = Field(min_length=1)


class OfficeHours(schema.OfficeHours):
    """The pack's office hours (its zone checked there), with what the clock arithmetic reads off them."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def seconds_per_day(self) -> int:
        return _seconds(self.closes) - _seconds(self.opens)


class WarningPoint(_Frozen):
    """A reminder before the deadline: at a fraction of the allowed time, or N working days before."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    at_fraction: float | None = Field(default=None, gt=0, lt=1)
    working_days_before: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one_rule(self) -> "WarningPoint":
        if (self.at_fraction is None) == (self.working_days_before is None):
            raise ValueError(f"warning {self.name!r}: set exactly one of at_fraction, working_days_before")
        return self


class RedCardRule(_Frozen):
    working_days_after_deadline: int = Field(ge=1)
    after_returns: int = Field(ge=1, description="Returns (退单) of one case that earn a red card")


class ClockStartPolicy(_Frozen):
    case_reply: ClockStart = ClockStart.REGISTERED
    work_order: ClockStart = ClockStart.SIGNED_FOR


class SlaPolicy(_Frozen):
    district: str = Field(min_length=1)
    name: str = Field(min_length=1)
    tiers: dict[str, Tier] = Field(min_length=1)
    office_hours: OfficeHours
    clock_start: ClockStartPolicy = ClockStartPolicy()
    warnings: tuple[WarningPoint, ...] = ()
    red_card: RedCardRule

    @model_validator(mode="after")
    def _unique_warning_names(self) -> "SlaPolicy":
        names = [w.name for w in self.warnings]
        if len(names) != len(set(names)):
            raise ValueError(f"district {self.district}: warning names repeat: {names}")
        return self

    def tier(self, name: str) -> Tier:
        try:
            return self.tiers[name]
        except KeyError:
            raise UnknownTier(f"district {self.district} has no tier {name!r}") from None

    def clock_starts_on(self, subject: DeadlineSubject) -> ClockStart:
        return getattr(self.clock_start, subject.value)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def sla_part(pack: DistrictPack) -> SlaPolicy:
    """sla's model of one (already validated) pack: its tiers, office hours, warnings and red card."""
    sla = pack.sla
    return SlaPolicy.model_validate({
        "district": pack.code, "name": f"{pack.name_zh} ({pack.name_en})",
        "tiers": {name: {"working_days": t.working_days, "label": t.label_zh} for name, t in sla.tiers.items()},
        "office_hours": sla.office_hours.model_dump(), "clock_start": sla.clock_start.model_dump(),
        "warnings": [w.model_dump(exclude_none=True) for w in sla.warnings], "red_card": sla.red_card.model_dump(),
    })


def load_policies(root: Path | None = None) -> dict[str, SlaPolicy]:
    """Every district pack's policy under `root` (default: the packs every service reads), keyed by district;
    raises ValueError (shared.districts.PackInvalid) naming each problem."""
    return {code: sla_part(pack) for code, pack in load_packs(root).items()}
