import pytest

from services.routing.domain.catalogue import Tier
from services.routing.domain.decision import Outcome, RoutingRequest
from services.routing.domain.errors import NotFound
from services.routing.domain.router import Router


def ask(router: Router, description: str, *, kind: str = "other", matter: str | None = None,
        excluded: frozenset[str] = frozenset()) -> RoutingRequest:
    return RoutingRequest(district="demo", problem_kind=kind, description=description, matter_code=matter,
                          excluded_departments=excluded)


def test_lease_filing_text_without_spaces_routes_to_housing(router: Router) -> None:
    decision = router.decide(ask(router, "公司一次带来14份转租合同，急需办理租赁备案拿到租赁凭证", kind="expedite"))
    assert decision.outcome is Outcome.routed
    assert (decision.lead, decision.matter_code) == ("housing", "lease_filing")
    assert decision.urgent
    assert decision.confidence >= 0.7
    assert "房屋租赁登记备案" in decision.reason_zh


def test_full_width_punctuation_and_letters_do_not_hide_keywords(router: Router) -> None:
    decision = router.decide(ask(router, "想开一家ＫＴＶ，　娱乐场所，许可怎么办？"))
    assert decision.lead == "culture_tourism"
    assert decision.matter_code == "entertainment_venue_licence"


def test_matter_chosen_by_staff_is_routed_with_catalogue_confidence(router: Router, demo) -> None:
    decision = router.decide(ask(router, "材料不清楚", kind="missing_materials", matter="performance_licence"))
    assert decision.outcome is Outcome.routed
    assert decision.lead == "culture_tourism"
    assert decision.confidence == demo.policy.thresholds.matter_code_confidence
    assert decision.tier is Tier.complex


def test_residential_parking_is_referred_to_property_management_and_urban_management(router: Router) -> None:
    decision = router.decide(ask(router, "我们小区楼下车位总被外来车辆占用，乱停车没人管"))
    assert decision.outcome is Outcome.referred
    assert decision.lead is None
    assert [t.code for t in decision.referral_targets] == ["property_mgmt", "urban_mgmt"]
    assert "不属于政务服务事项" in decision.reason_zh


def test_parking_space_property_registration_is_not_out_of_scope(router: Router) -> None:
    decision = router.decide(ask(router, "小区车位产权登记一直办不下来"))
    assert decision.outcome is Outcome.routed
    assert decision.lead == "real_estate"


def test_seriously_ill_tenant_gets_housing_lead_with_relief_and_medical_insurance_assisting(router: Router) -> None:
    decision = router.decide(ask(router, "不符合租房补贴条件，但本人重病，医保报销后仍生活困难",
                                 kind="multi_department", matter="rent_subsidy"))
    assert decision.lead == "housing"
    assert set(decision.assisting) == {"civil_affairs", "medical_insurance"}
    assert decision.tier is Tier.complex


def test_restaurant_blocked_by_previous_tenant_stays_with_market_regulation(router: Router) -> None:
    decision = router.decide(ask(router, "餐厅办食品经营许可证，前租户的营业执照一直没注销"))
    assert decision.outcome is Outcome.routed
    assert decision.lead == "market"


def test_nobody_owns_it_puts_the_coordinator_in_the_lead(router: Router) -> None:
    decision = router.decide(ask(router, "网约车营运手续各部门都说不归自己管", kind="no_owner"))
    assert decision.lead == "gov_data"
    assert decision.assisting[0] == "transport"
    assert decision.tier is Tier.complex


def test_competing_departments_go_to_manual_triage_with_best_guess_and_reason(router: Router) -> None:
    decision = router.decide(ask(router, "孩子要入学，急需租赁凭证，银行同意函来不及"))
    assert decision.outcome is Outcome.manual_triage
    assert decision.lead == "housing"
    assert decision.confidence < 0.7
    assert [c.department for c in decision.candidates] == ["housing", "education"]
    assert "教育局" in decision.reason_zh and "人工研判" in decision.reason_zh


def test_text_matching_nothing_goes_to_manual_triage_without_a_lead(router: Router) -> None:
    decision = router.decide(ask(router, "我想问问这个事情怎么弄"))
    assert decision.outcome is Outcome.manual_triage
    assert decision.lead is None
    assert decision.confidence == 0.0


def test_problem_kind_configured_for_triage_is_never_auto_routed(router: Router) -> None:
    decision = router.decide(ask(router, "办营业执照时窗口人员态度很差", kind="service_attitude"))
    assert decision.outcome is Outcome.manual_triage
    assert decision.lead == "market"


def test_mentioned_department_is_added_as_assisting(router: Router) -> None:
    decision = router.decide(ask(router, "办理公积金提取，公积金中心说要税务出具证明"))
    assert decision.lead == "housing_fund"
    assert decision.assisting == ("tax",)


def test_excluded_lead_is_replaced_by_the_next_candidate(router: Router) -> None:
    decision = router.decide(ask(router, "孩子要入学，急需租赁凭证", excluded=frozenset({"housing"})))
    assert decision.lead == "education"
    assert "housing" not in decision.assisting


def test_matter_whose_lead_returned_it_falls_back_to_keywords(router: Router) -> None:
    decision = router.decide(ask(router, "住改商证明要经联社公示，营业执照办不了",
                                 matter="residence_to_business_certificate", excluded=frozenset({"street_office"})))
    assert decision.lead == "market"
    assert decision.reasons[0].code == "lead_excluded"


@pytest.mark.parametrize("request_kwargs, message", [
    ({"district": "atlantis"}, "unknown district 'atlantis'"),
    ({"problem_kind": "bored"}, "unknown problem kind 'bored'"),
    ({"matter_code": "teleport"}, "unknown matter 'teleport'"),
    ({"excluded_departments": frozenset({"mars"})}, "unknown department 'mars'"),
])
def test_unknown_codes_are_clear_errors(router: Router, request_kwargs: dict, message: str) -> None:
    fields = {"district": "demo", "problem_kind": "other", "description": "办营业执照"} | request_kwargs
    with pytest.raises(NotFound, match=message) as err:
        router.decide(RoutingRequest(**fields))
    assert err.value.message_zh
