"""District packs at run time: a service's part of each version, swapped whole; a published version that does
not convert is refused, counted and leaves the service as it was; validation names each field."""

import copy
from typing import Any

import pytest
from prometheus_client import REGISTRY

from shared.districts import DistrictPack, load_packs, pack_problems_of
from shared.districts.live import PackParts, apply_published
from shared.envelope import Envelope
from shared.events.district import DistrictPackPublished, district_subject

DEMO = load_packs()["demo"]


def version(pack: DistrictPack, number: int, **changes: Any) -> DistrictPack:
    return pack.model_copy(update={"version": number, **changes})


def published(pack: DistrictPack, *, pack_version: int | None = None) -> Envelope:
    event = DistrictPackPublished(district=pack.code, pack_version=pack_version or pack.version,
                                  pack=pack.model_dump(mode="json"))
    return Envelope.wrap(event, source="routing", case_id=district_subject(pack.code), district=pack.code,
                         actor="user:admin")


def refused(service: str) -> float:
    return REGISTRY.get_sample_value("bancheng_district_pack_refused_total",
                                     {"service": service, "district": "demo"}) or 0.0


def test_a_new_version_is_in_force_for_new_cases_and_an_earlier_one_stays_for_its_cases() -> None:
    parts = PackParts(lambda pack: pack.name_en, [DEMO])
    parts.apply(version(DEMO, 2, name_en="Demo, renamed"))
    assert parts["demo"] == "Demo, renamed" and parts.version("demo") == 2
    assert parts.at("demo", 1) == DEMO.name_en
    assert parts.at("demo", None) == parts.at("demo", 99) == "Demo, renamed"  # none or unknown: the newest


def test_a_published_version_that_does_not_convert_is_refused_counted_and_changes_nothing() -> None:
    def convert(pack: DistrictPack) -> str:
        if pack.version == 3:
            raise ValueError("a bug in this service's conversion")
        return pack.name_en

    parts = PackParts(convert, [DEMO])
    before = refused("test-service")
    assert not apply_published("test-service", published(version(DEMO, 3)), parts.apply)
    assert refused("test-service") == before + 1
    assert parts.version("demo") == 1 and parts["demo"] == DEMO.name_en
    assert apply_published("test-service", published(version(DEMO, 4, name_en="Four")), parts.apply)
    assert parts["demo"] == "Four"


def test_an_event_whose_pack_is_not_the_version_it_names_is_refused() -> None:
    parts = PackParts(lambda pack: pack.version, [DEMO])
    assert not apply_published("test-service", published(version(DEMO, 2), pack_version=5), parts.apply)
    assert parts.version("demo") == 1


def _unknown_department(data: dict[str, Any]) -> str:
    data["matters"][0]["lead_department"] = "ghost_bureau"
    return "matters[0].lead_department"


def _negative_tier(data: dict[str, Any]) -> str:
    next(iter(data["sla"]["tiers"].values()))["working_days"] = -1
    return f"sla.tiers.{next(iter(data['sla']['tiers']))}.working_days"


def _kind_without_rule(data: dict[str, Any]) -> str:
    data["problem_kinds"][0].update(routing=None, manual_triage=False)
    return "problem_kinds[0].routing"


def _duplicate_code(data: dict[str, Any]) -> str:
    data["matters"].append(copy.deepcopy(data["matters"][0]))
    return f"matters[{len(data['matters']) - 1}].code"


@pytest.mark.parametrize("spoil", [_unknown_department, _negative_tier, _kind_without_rule, _duplicate_code])
def test_validating_a_whole_pack_names_the_field_of_each_problem(spoil) -> None:
    data = DEMO.model_dump(mode="json")
    field = spoil(data)
    _pack, problems = pack_problems_of(data)
    assert field in [path for path, _problem in problems], problems
    assert all(problem for _path, problem in problems)


def test_a_whole_pack_validates_without_problems() -> None:
    pack, problems = pack_problems_of(DEMO.model_dump(mode="json"))
    assert problems == [] and pack == DEMO
