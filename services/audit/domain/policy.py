"""The audit service's tunable numbers, loaded from YAML (default: `audit_policy.yaml` beside this file),
and each district's assessment points from its district pack (`shared/districts`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.districts import DistrictPack, PackInvalid, load_packs

DEFAULT_POLICY_PATH = Path(__file__).with_name("audit_policy.yaml")


class PolicyError(ValueError):
    """The policy file is missing, not YAML, or does not match the model; the message names the field."""


class AssessmentPolicy(BaseModel):
    """Points the 12345 performance assessment deducts per card; each district sets its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_score: Decimal = Field(default=Decimal(100), ge=0)
    yellow_card_points: Decimal = Field(ge=0)  # 黄牌
    red_card_points: Decimal = Field(ge=0)  # 红牌


class FrequencyPolicy(BaseModel):
    """Thresholds of the high-frequency analysis (高频问题分析)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lookback_months: int = Field(default=3, ge=1)  # the baseline: mean of this many months before
    min_count: int = Field(default=3, ge=1)  # fewer cases this month is never "rising"
    rise_ratio: Decimal = Field(default=Decimal("1.5"), gt=1)  # this month ≥ ratio × baseline
    recurring_min_months: int = Field(default=2, ge=1)  # months with cases, to count as recurring
    top: int = Field(default=20, ge=1)


class AuditPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checkpoint_every: int = Field(ge=1)  # sign a checkpoint after this many entries per partition
    # Reports over several districts, or one without a pack, deduct these points; a report of one
    # district deducts its pack's (`assessments`).
    assessment: AssessmentPolicy
    high_frequency: FrequencyPolicy = FrequencyPolicy()
    assessments: dict[str, AssessmentPolicy] = {}

    @model_validator(mode="after")
    def _red_weighs_at_least_yellow(self) -> AuditPolicy:
        if self.assessment.red_card_points < self.assessment.yellow_card_points:
            raise ValueError("assessment.red_card_points must be at least yellow_card_points")
        return self

    def with_pack(self, pack: DistrictPack) -> AuditPolicy:
        """The policy with a published pack version's assessment points for its district (a new copy, swapped
        in by the caller)."""
        points = AssessmentPolicy.model_validate(pack.assessment.model_dump())
        return self.model_copy(update={"assessments": {**self.assessments, pack.code: points}})

    def assessment_for(self, districts: tuple[str, ...] = ()) -> AssessmentPolicy:
        """The points of the one district a report is narrowed to, as its pack sets them."""
        if len(districts) == 1 and districts[0] in self.assessments:
            return self.assessments[districts[0]]
        return self.assessment


def load_policy(path: Path = DEFAULT_POLICY_PATH, packs_dir: Path | None = None) -> AuditPolicy:
    """The policy file and every district pack's assessment (default: the packs every service reads).
    Raises PolicyError."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data["assessments"] = {code: pack.assessment.model_dump() for code, pack in load_packs(packs_dir).items()}
        return AuditPolicy.model_validate(data)
    except PackInvalid as invalid:
        raise PolicyError(f"district packs: {invalid}") from invalid
    except OSError as error:
        raise PolicyError(f"cannot read {path}: {error}") from error
    except yaml.YAMLError as error:
        raise PolicyError(f"{path} is not valid YAML: {error}") from error
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors())
        raise PolicyError(f"{path}: {details}") from error
