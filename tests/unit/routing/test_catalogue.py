import re

import pytest

from services.routing.domain.catalogue import Department, Level, Matter, Tier
from services.routing.domain.decision import Outcome, RoutingRequest
from services.routing.domain.errors import CatalogueInvalid, NotFound
from services.routing.domain.loader import District, build_district
from services.routing.domain.router import Router


def test_demo_district_names_the_domain_departments_and_at_least_40_matters(demo: District) -> None:
    names = {d.name for d in demo.catalogue.departments}
    for expected in ("市场监督管理局", "住房和城乡建设局", "医疗保障局", "人力资源和社会保障局", "税务局", "公安分局",
                     "民政局", "不动产登记中心", "住房公积金管理中心", "城市管理和综合执法局", "政务服务数据管理局"):
        assert expected in names
    assert len(demo.catalogue.matters) >= 40
    assert demo.catalogue.version >= 1


def test_department_codes_are_ascii_and_fit_topic_names(demo: District) -> None:
    for dept in demo.catalogue.departments:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", dept.code), dept.code


def test_district_and_city_coordinators_are_configured(demo: District) -> None:
    assert demo.catalogue.coordinator(Level.district).code == "gov_data"
    assert demo.catalogue.coordinator(Level.city).code == "city_gov_data"


def test_lookups_of_unknown_codes_raise_not_found(demo: District) -> None:
    with pytest.raises(NotFound, match="unknown department 'mars'"):
        demo.catalogue.department("mars")
    with pytest.raises(NotFound, match="unknown matter 'teleport'"):
        demo.catalogue.matter("teleport")


def test_added_department_and_matter_are_routed_without_code_change(demo: District) -> None:
    catalogue = demo.catalogue.with_department(
        Department(code="veterans", name="退役军人事务局", aliases=("退役军人局",))
    )
    catalogue = catalogue.with_matter(Matter(code="veteran_preferential", name="优抚对象抚恤补助", lead="veterans",
                                             tier=Tier.general, keywords=("优抚", "抚恤补助", "退役军人")))
    assert catalogue.version == demo.catalogue.version + 2
    router = Router([build_district(catalogue=catalogue, policy=demo.policy)])
    decision = router.decide(RoutingRequest(district="demo", problem_kind="policy_consultation",
                                            description="我是退役军人，想申请抚恤补助"))
    assert decision.outcome is Outcome.routed
    assert decision.lead == "veterans"


def test_added_matter_with_unknown_lead_is_rejected(demo: District) -> None:
    with pytest.raises(CatalogueInvalid, match="unknown department 'veterans'"):
        demo.catalogue.with_matter(Matter(code="veteran_preferential", name="优抚", lead="veterans",
                                          tier=Tier.general, keywords=("优抚",)))
