"""The district pack's schema: one typed model for everything a district configures.

A district (区县 / 街道) runs its "办不成事" window its own way: its halls and channels, its kinds of
problem (Shenzhen's 3, Hongkou's 4, Zhongshan's kinds of blockage), its matter catalogue (事项目录) and
departments, its deadlines, its notification rules and its assessment. All of it is one pack, read by
every service (each its own part), so what intake accepts, routing can route, sla can time and notify
can tell. Field shapes are checked here; references between the parts in ``checks.py``.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

DISTRICT_CODE_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
"""District codes: lowercase letters, digits and single hyphens (``shenzhen-shahe``), at most 40."""

DistrictCode = Annotated[str, StringConstraints(pattern=DISTRICT_CODE_PATTERN, max_length=40)]
# Departments, matters and kinds travel in event fields and department topic names: no hyphens there.
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
HallCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,5}$")]  # the case-number prefix
TierName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,19}$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


TimezoneName = Annotated[str, AfterValidator(_known_timezone)]
"""An IANA zone name (``Asia/Shanghai``) this machine's zone database knows: a district's local time."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(StrEnum):
    """How a case reaches the window."""

    walk_in = "walk_in"  # 窗口来访 (a guide 引导员 leads the person there)
    phone = "phone"  # 电话预约
    letter = "letter"  # 信件
    web = "web"  # 网站 / 移动端
    terminal = "terminal"  # 自助终端
    hotline_12345 = "hotline_12345"  # 12345 政务服务便民热线
    open311 = "open311"


class ComplexityTier(StrEnum):
    """The complexity tiers (复杂程度) intake sorts a case into and routing reasons with; each district uses
    some of them."""

    simple = "simple"  # 简单
    general = "general"  # 一般
    complex = "complex"  # 复杂


class Hall(Frozen):
    """A government service hall (政务服务大厅) with a reflection window."""

    code: HallCode = Field(description="case-number prefix, unique across every pack")
    name_zh: Text
    name_en: Text
    address_zh: Text
    contact_phone: Text = Field(description="the window's line, printed on the tracking card")
    window_zh: Text = "“办不成事”反映窗口"
    supervisor: Contact | None = Field(None, description="the hall's 督办专员, told of returns and cards")


class KindRouting(Frozen):
    """How routing treats a kind: its tier floor, who leads, who else is dispatched."""

    tier_floor: ComplexityTier = ComplexityTier.simple
    lead: Literal["matter", "coordinator"] = "matter"
    include_typical_assisting: bool = False
    add_assisting: tuple[Code, ...] = ()


class ProblemKind(Frozen):
    """A kind of problem (问题分类) as the district names it."""

    code: Code
    name_zh: Text
    name_en: Text
    consultation: bool = Field(False, description="a 咨询 counted apart from 办件 cases (Chengzhong)")
    green_channel: bool = Field(False, description="the kind itself means urgent (特事特办 / 快办)")
    manual_triage: bool = Field(False, description="always assessed by a person (人工研判) before dispatch")
    routing: KindRouting | None = Field(None, description="the routing rule; none only with manual_triage")


class GreenChannel(Frozen):
    """The green channel (绿色通道) for urgent cases: whether staff may open it. A green-channel case is
    routed as urgent and its citizen's messages ignore quiet hours; kinds may imply it (特事特办). Its work
    orders carry the flag, take the channel's own sla tier and come first in the department's inbox."""

    enabled: bool = True
    tier: TierName | None = Field(None, description="the sla tier its work orders take (e.g. simple); "
                                                    "none: the routed tier")
    priority: int = Field(1, ge=1, description="its work orders' place in a department's inbox: higher first, "
                                               "ordinary orders are 0")


class Contact(Frozen):
    """Where a department or supervisor is told: a channel without an address fails visibly when used."""

    name: Text | None = None
    phone: str | None = None
    email: str | None = None
    wecom: str | None = None  # group robot webhook (its key is a secret: keep a real pack private)
    dingtalk: str | None = None
    webhook: str | None = None


class Department(Frozen):
    """A department (职能部门) or coordinating body (政管办 / 政务服务数据管理局)."""

    code: Code
    name_zh: Text
    name_en: Text
    role: Literal["functional", "coordinator"] = "functional"
    level: Literal["district", "city"] = "district"
    aliases: tuple[str, ...] = Field((), description="words by which a citizen's text names it")
    contact: Contact | None = None


class Matter(Frozen):
    """A matter (事项) of the catalogue: who leads (主办), who typically assists (协办)."""

    code: Code
    name_zh: Text
    lead_department: Code
    assisting_departments: tuple[Code, ...] = ()
    tier: ComplexityTier
    keywords: tuple[Text, ...] = Field(min_length=1)


class Thresholds(Frozen):
    auto_route_confidence: float = Field(0.7, gt=0, le=1)
    strong_match_weight: int = Field(4, ge=1)
    matter_code_confidence: float = Field(0.95, gt=0, le=1)
    out_of_scope_confidence: float = Field(0.9, gt=0, le=1)


class Returns(Frozen):
    window_working_days: int = Field(2, ge=0)  # 退单 allowed within N working days of dispatch
    max_returns: int = Field(3, ge=1)


class ReferralTarget(Frozen):
    code: Code
    name_zh: Text
    kind: Literal["department", "outside_body"]


class OutOfScopeRule(Frozen):
    """Text that is not a government-service matter (不属于政务服务范围), and who it is referred to."""

    code: Code
    name_zh: Text
    all_of: tuple[tuple[str, ...], ...] = Field(min_length=1)
    unless_any: tuple[str, ...] = ()
    referral: tuple[Code, ...] = Field(min_length=1)
    explanation_zh: Text


class Routing(Frozen):
    thresholds: Thresholds = Thresholds()
    returns: Returns = Returns()
    escalation_levels: tuple[Literal["district", "city"], ...] = ("district", "city")
    referral_targets: tuple[ReferralTarget, ...] = ()
    out_of_scope: tuple[OutOfScopeRule, ...] = ()


class Tier(Frozen):
    working_days: int = Field(ge=0, description="0: handled at once (即受即办), the same day")
    label_zh: Text
    label_en: Text


class OfficeHours(Frozen):
    opens: time
    closes: time = Field(description="a deadline ends at close of business on its day")
    timezone: TimezoneName = "Asia/Shanghai"

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OfficeHours:
        if self.opens >= self.closes:
            raise ValueError(f"office hours open at {self.opens} but close at {self.closes}")
        return self


class WarningPoint(Frozen):
    """A reminder before the deadline: at a fraction of the allowed time, or N working days before."""

    name: Code
    at_fraction: float | None = Field(None, gt=0, lt=1)
    working_days_before: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> WarningPoint:
        if (self.at_fraction is None) == (self.working_days_before is None):
            raise ValueError("set exactly one of at_fraction, working_days_before")
        return self


ClockStart = Literal["registered", "accepted", "dispatched", "signed_for"]


class ClockStarts(Frozen):
    case_reply: ClockStart = "registered"  # 登记
    work_order: ClockStart = "signed_for"  # 签收


class RedCard(Frozen):
    working_days_after_deadline: int = Field(ge=1)
    after_returns: int = Field(ge=1)


class Sla(Frozen):
    """Deadlines in working days per tier (限时办理), warnings before, cards after."""

    tiers: dict[TierName, Tier] = Field(min_length=1)
    office_hours: OfficeHours
    clock_start: ClockStarts = ClockStarts()
    warnings: tuple[WarningPoint, ...] = ()
    red_card: RedCard


Audience = Literal[
    "citizen", "lead_department", "assisting_departments", "hall_supervisor", "district_supervisor", "hotline"
]
NotifyChannel = Literal["sms", "email", "webhook", "wecom", "dingtalk", "hotline_12345", "file"]


class Recipient(Frozen):
    audience: Audience
    channels: tuple[NotifyChannel, ...] = Field(min_length=1)
    template: Code
    hotline_status: Literal["accepted", "replied", "closed", "callback", "yellow_card", "red_card"] | None = None


class EventRule(Frozen):
    event: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+(:[a-z_]+)?$")]
    notify: tuple[Recipient, ...] = Field(min_length=1)


class QuietHours(Frozen):
    start: time
    end: time
    timezone: TimezoneName = "Asia/Shanghai"
    channels: tuple[NotifyChannel, ...] = ("sms",)
    audiences: tuple[Audience, ...] = ("citizen",)


class Notify(Frozen):
    """Who hears what on which channel; department addresses live on the departments."""

    quiet_hours: QuietHours | None = None
    rules: tuple[EventRule, ...] = Field(min_length=1)
    district_supervisor: Contact | None = None


class Assessment(Frozen):
    """The 12345 performance assessment's deductions per card (黄牌 / 红牌)."""

    base_score: Decimal = Field(Decimal(100), ge=0)
    yellow_card_points: Decimal = Field(ge=0)
    red_card_points: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _red_weighs_at_least_yellow(self) -> Assessment:
        if self.red_card_points < self.yellow_card_points:
            raise ValueError("red_card_points must be at least yellow_card_points")
        return self


# How many days before its registration a case may say it was received (`received_at`), per channel: a
# letter is opened and entered days later, a phone note at the end of a shift; what arrives online is
# registered as it arrives. A channel not listed may not be backdated.
DEFAULT_MAX_BACKDATE_DAYS = {Channel.letter: 30, Channel.phone: 7, Channel.walk_in: 3}


class DistrictPack(Frozen):
    """Everything one district configures, as one validated whole."""

    code: DistrictCode
    name_zh: Text
    name_en: Text
    version: int = Field(1, ge=1)
    channels: tuple[Channel, ...] = Field(min_length=1)
    complexity_tiers: tuple[ComplexityTier, ...] = Field(min_length=1, description="tiers intake and routing use")
    green_channel: GreenChannel = GreenChannel()
    max_backdate_days: dict[Channel, Annotated[int, Field(ge=0, le=366)]] = Field(
        default_factory=lambda: dict(DEFAULT_MAX_BACKDATE_DAYS),
        description="per channel, how many days before registration `received_at` may be; unlisted: 0")
    halls: tuple[Hall, ...] = Field(min_length=1)
    problem_kinds: tuple[ProblemKind, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = Field(min_length=1)
    matters: tuple[Matter, ...] = Field(min_length=1)
    routing: Routing = Routing()
    sla: Sla
    notify: Notify
    assessment: Assessment

    def kind(self, code: str) -> ProblemKind | None:
        return next((k for k in self.problem_kinds if k.code == code), None)

    def consultation_kinds(self) -> frozenset[str]:
        """Kinds counted as 咨询 apart from 办件 cases."""
        return frozenset(k.code for k in self.problem_kinds if k.consultation)


Hall.model_rebuild()
