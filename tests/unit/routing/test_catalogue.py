import re
import shutil
from pathlib import Path

import pytest

from services.routing.domain.catalogue import Department, Level, Matter, Tier
from services.routing.domain.decision import Outcome, RoutingRequest
from services.routing.domain.errors import CatalogueInvalid, NotFound
from services.routing.domain.loader import DATA_DIR, District, build_district, load_district
from services.routing.domain.router import Router


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA_DIR / "demo", tmp_path / "demo"))


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


def test_matter_referencing_unknown_department_is_rejected_naming_both(demo_copy: Path) -> None:
    path = demo_copy / "matters.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead: tax, tier: simple", "lead: taxes, tier: simple"),
                    encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as err:
        load_district(demo_copy)
    assert "unknown department 'taxes'" in err.value.message_en
    assert "未知部门 taxes" in err.value.message_zh
    assert "matters.yaml" in err.value.message_en


def test_duplicate_department_code_is_rejected(demo_copy: Path) -> None:
    path = demo_copy / "departments.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - {code: tax, name: 第二税务局}\n", encoding="utf-8")
    with pytest.raises(CatalogueInvalid, match="duplicate department code 'tax'"):
        load_district(demo_copy)


def test_non_ascii_department_code_is_rejected_with_its_location(demo_copy: Path) -> None:
    path = demo_copy / "departments.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("code: tax,", "code: 税务,"), encoding="utf-8")
    with pytest.raises(CatalogueInvalid, match=r"departments\.\d+\.code"):
        load_district(demo_copy)


def test_policy_referencing_unknown_department_is_rejected(demo_copy: Path) -> None:
    path = demo_copy / "policy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("add_assisting: [gov_data]}", "add_assisting: [nobody]}"),
                    encoding="utf-8")
    with pytest.raises(CatalogueInvalid, match="unknown department 'nobody'"):
        load_district(demo_copy)


def test_out_of_scope_rule_referring_to_unknown_target_is_rejected(demo_copy: Path) -> None:
    path = demo_copy / "policy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("referral: [court]", "referral: [judge]"),
                    encoding="utf-8")
    with pytest.raises(CatalogueInvalid, match="unknown target 'judge'"):
        load_district(demo_copy)


def test_lookups_of_unknown_codes_raise_not_found(demo: District) -> None:
    with pytest.raises(NotFound, match="unknown department 'mars'"):
        demo.catalogue.department("mars")
    with pytest.raises(NotFound, match="unknown matter 'teleport'"):
        demo.catalogue.matter("teleport")


def test_added_department_and_matter_are_routed_without_code_change(demo: District) -> None:
    catalogue = demo.catalogue.with_department(Department(code="veterans", name="退役军人事务局", aliases=("退役军人局",)))
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
