"""Routing's part of the district packs (``shared/districts``): catalogue, departments, kinds → rules."""

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from shared.districts import DistrictPack, PackInvalid, load_packs
from shared.districts.schema import ProblemKind as PackKind

from .catalogue import Catalogue
from .errors import CatalogueInvalid
from .policy import RoutingPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class District:
    """Everything routing knows about one district."""

    catalogue: Catalogue
    policy: RoutingPolicy

    @property
    def code(self) -> str:
        return self.catalogue.district


def build_district(*, catalogue: Catalogue, policy: RoutingPolicy) -> District:
    """Pair a catalogue with its policy after checking they agree."""
    policy.check_against(catalogue)
    return District(catalogue=catalogue, policy=policy)


def routing_part(pack: DistrictPack) -> District:
    """Routing's models of one (already validated) pack."""
    catalogue = Catalogue(
        district=pack.code, version=pack.version,
        departments=tuple({"code": d.code, "name": d.name_zh, "role": d.role, "level": d.level, "aliases": d.aliases}
                          for d in pack.departments),
        matters=tuple({"code": m.code, "name": m.name_zh, "lead": m.lead_department,
                       "assisting": m.assisting_departments, "tier": m.tier.value, "keywords": m.keywords}
                      for m in pack.matters),
    )
    routing = pack.routing
    policy = RoutingPolicy(
        district=pack.code, version=pack.version,
        thresholds=routing.thresholds.model_dump(), returns=routing.returns.model_dump(),
        escalation_levels=routing.escalation_levels,
        problem_kinds=tuple(_kind_rule(kind) for kind in pack.problem_kinds),
        referral_targets=tuple({"code": t.code, "name": t.name_zh, "kind": t.kind} for t in routing.referral_targets),
        out_of_scope=tuple({"code": r.code, "name": r.name_zh, "all_of": r.all_of, "unless_any": r.unless_any,
                            "referral": r.referral, "explanation": r.explanation_zh} for r in routing.out_of_scope),
        green_channel={"tier": pack.green_channel.tier, "priority": pack.green_channel.priority},
    )
    return build_district(catalogue=catalogue, policy=policy)


def _kind_rule(kind: PackKind) -> dict[str, object]:
    """A kind marked for triage alone (no rule) always goes to a person (人工研判)."""
    rule = kind.routing.model_dump() if kind.routing else {}
    return {"code": kind.code, "name": kind.name_zh, "urgent": kind.green_channel,
            "manual_triage": kind.manual_triage, **rule}


def load_districts(root: Path | None = None) -> dict[str, District]:
    """Every district pack under ``root`` (default: the packs every service reads), keyed by code."""
    try:
        return {code: routing_part(pack) for code, pack in load_packs(root).items()}
    except PackInvalid as invalid:
        first = invalid.problems[0]
        raise CatalogueInvalid(en=f"district pack invalid: {first}", zh=f"辖区配置包不合法：{first}") from invalid
    except ValidationError as error:
        raise CatalogueInvalid(en=f"district pack does not fit routing: {error}",
                               zh=f"辖区配置包不符合分办规则：{error}") from error
