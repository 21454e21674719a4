"""A district's routing policy: problem kinds, out-of-scope referrals and thresholds, as typed models.

Each district lists its own problem kinds (Shenzhen, Hongkou and Zhongshan all differ), so they are data.
"""

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from .catalogue import Catalogue, Code, DistrictCode, FrozenModel, Level, Tier
from .errors import CatalogueInvalid, NotFound


class LeadChoice(StrEnum):
    matter = "matter"  # the matter's lead department leads
    coordinator = "coordinator"  # the district coordinator leads (nobody owns it / duties overlap)


class ProblemKind(FrozenModel):
    code: Code
    name: str = Field(min_length=1, description="Chinese label, e.g. 资料不齐")
    tier_floor: Tier = Tier.simple
    urgent: bool = Field(False, description="green channel 绿色通道 / 特事特办")
    lead: LeadChoice = LeadChoice.matter
    include_typical_assisting: bool = Field(False,
                                            description="also dispatch the matter's typical assisting departments")
    add_assisting: tuple[Code, ...] = ()
    manual_triage: bool = Field(False, description="always sent to manual triage 人工研判")


class TargetKind(StrEnum):
    department = "department"  # a government body outside the service scope, e.g. 城管
    outside_body = "outside_body"  # 物业, 业委会, 经联社, banks: parties, not users


class ReferralTarget(FrozenModel):
    code: Code
    name: str = Field(min_length=1)
    kind: TargetKind


class OutOfScopeRule(FrozenModel):
    """Text that is not a government-service matter (不属于政务服务范围) and who it is referred to.

    Matches when every group in ``all_of`` has a word in the text and no word of ``unless_any`` is there.
    """

    code: Code
    name: str = Field(min_length=1)
    all_of: tuple[tuple[str, ...], ...] = Field(min_length=1)
    unless_any: tuple[str, ...] = ()
    referral: tuple[Code, ...] = Field(min_length=1)
    explanation: str = Field(min_length=1, description="what staff tell the person, in Chinese")


class Thresholds(FrozenModel):
    auto_route_confidence: float = Field(0.7, gt=0, le=1, description="below this → manual triage")
    strong_match_weight: int = Field(4, ge=1, description="keyword characters that make a match sure")
    matter_code_confidence: float = Field(0.95, gt=0, le=1)
    out_of_scope_confidence: float = Field(0.9, gt=0, le=1)


class ReturnPolicy(FrozenModel):
    window_working_days: int = Field(2, ge=0, description="return 退单 allowed within N working days of dispatch")
    max_returns: int = Field(3, ge=1, description="returns of one case before a supervisor must decide")


class GreenChannelPolicy(FrozenModel):
    """What the green channel (绿色通道) does to a case's work orders, as the district's pack sets it."""

    tier: str | None = Field(None, description="the sla tier its orders take; none: the routed tier")
    priority: int = Field(1, ge=1, description="their place in a department's inbox: higher first, ordinary 0")


class RoutingPolicy(FrozenModel):
    district: DistrictCode
    version: int = Field(ge=1)
    thresholds: Thresholds = Thresholds()
    returns: ReturnPolicy = ReturnPolicy()
    escalation_levels: tuple[Level, ...] = (Level.district, Level.city)
    problem_kinds: tuple[ProblemKind, ...] = Field(min_length=1)
    referral_targets: tuple[ReferralTarget, ...] = ()
    out_of_scope: tuple[OutOfScopeRule, ...] = ()
    green_channel: GreenChannelPolicy = GreenChannelPolicy()

    @model_validator(mode="after")
    def _referrals_resolve(self) -> Self:
        targets = {t.code for t in self.referral_targets}
        for rule in self.out_of_scope:
            for ref in rule.referral:
                if ref not in targets:
                    raise CatalogueInvalid(
                        en=f"out-of-scope rule {rule.code!r} refers to unknown target {ref!r}",
                        zh=f"范围外规则 {rule.code}（{rule.name}）引用了未知转介对象 {ref}",
                    )
        return self

    def problem_kind(self, code: str) -> ProblemKind:
        for kind in self.problem_kinds:
            if kind.code == code:
                return kind
        raise NotFound(en=f"unknown problem kind {code!r} in district {self.district!r}",
                       zh=f"辖区 {self.district} 没有问题类型 {code}")

    def check_against(self, catalogue: Catalogue) -> None:
        """Raise CatalogueInvalid if the policy names departments the catalogue lacks."""
        if catalogue.district != self.district:
            raise CatalogueInvalid(
                en=f"policy is for district {self.district!r}, catalogue for {catalogue.district!r}",
                zh=f"规则文件属于辖区 {self.district}，事项目录属于辖区 {catalogue.district}",
            )
        known = {d.code for d in catalogue.departments}
        for kind in self.problem_kinds:
            for ref in kind.add_assisting:
                if ref not in known:
                    raise CatalogueInvalid(
                        en=f"problem kind {kind.code!r} references unknown department {ref!r}",
                        zh=f"问题类型 {kind.code}（{kind.name}）引用了未知部门 {ref}",
                    )
        for level in self.escalation_levels:
            try:
                catalogue.coordinator(level)
            except NotFound as missing:
                raise CatalogueInvalid(en=missing.message_en, zh=missing.message_zh) from missing
