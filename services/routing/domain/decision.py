"""What the router is asked and what it answers: small frozen value objects."""

from dataclasses import dataclass, field
from enum import StrEnum

from .catalogue import Tier
from .policy import ReferralTarget


class Outcome(StrEnum):
    routed = "routed"  # dispatch work orders to lead and assisting departments
    manual_triage = "manual_triage"  # 人工研判: staff decide; the decision carries the best guess
    referred = "referred"  # 不属于政务服务范围: explain and refer to the competent body


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One step of the decision's explanation, shown to staff (zh) and logged (en)."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A department the text points at, with the evidence weight and the matter that scored it."""

    department: str
    score: int
    matter_code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingRequest:
    district: str
    problem_kind: str
    description: str
    matter_code: str | None = None  # staff's choice from the catalogue, when they made one
    excluded_departments: frozenset[str] = field(default_factory=frozenset)  # departments that returned it


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingDecision:
    outcome: Outcome
    district: str
    lead: str | None  # 主办; the best guess when outcome is manual_triage
    assisting: tuple[str, ...]  # 协办
    matter_code: str | None
    tier: Tier
    urgent: bool  # 绿色通道
    confidence: float
    reasons: tuple[Reason, ...]
    candidates: tuple[Candidate, ...] = ()
    referral_targets: tuple[ReferralTarget, ...] = ()

    @property
    def reason_zh(self) -> str:
        return "；".join(r.zh for r in self.reasons)

    @property
    def reason_en(self) -> str:
        return "; ".join(r.en for r in self.reasons)
