from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.audit.domain.assessment import assess_departments
from services.audit.domain.case_facts import CaseFacts, CaseState
from services.audit.domain.policy import AssessmentPolicy, PolicyError, load_policy


def dispatched_case(n, department, *, yellow=0, red=0):
    return CaseFacts(case_id=f"c{n}", received_at=datetime(2021, 9, 1, tzinfo=UTC), hall="h", district="d",
                     department=department, channel="12345", kind="slow", matter="租赁备案",
                     state=CaseState.callback_recorded, accepted=True, dispatched=True, yellow_cards=yellow,
                     red_cards=red)


def test_shipped_policy_loads():
    policy = load_policy()
    assert policy.checkpoint_every >= 1
    assert policy.assessment.red_card_points >= policy.assessment.yellow_card_points


def test_a_report_of_one_district_deducts_its_packs_points():
    policy = load_policy()
    assert policy.assessment_for(("zhongshan",)).red_card_points == Decimal(3)
    assert policy.assessment_for(("zhongshan", "demo")) == policy.assessment
    assert policy.assessment_for(("atlantis",)) == policy.assessment


def test_card_deductions_use_the_configured_points():
    policy = AssessmentPolicy(yellow_card_points=Decimal("0.5"), red_card_points=Decimal(2))
    rows = [dispatched_case(1, "住建局", yellow=2), dispatched_case(2, "住建局", red=1),
            dispatched_case(3, "市场监管局"), dispatched_case(4, None, red=5)]
    lines = assess_departments(rows, policy=policy)
    assert [(line.department, line.deduction, line.score) for line in lines] == [
        ("住建局", Decimal(3), Decimal(97)), ("市场监管局", Decimal(0), Decimal(100))]


def test_score_never_falls_below_zero():
    policy = AssessmentPolicy(base_score=Decimal(5), yellow_card_points=Decimal(1), red_card_points=Decimal(3))
    (line,) = assess_departments([dispatched_case(1, "人社局", red=4)], policy=policy)
    assert (line.deduction, line.score) == (Decimal(12), Decimal(0))


def test_policy_file_with_an_unknown_key_is_refused_naming_it(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("checkpoint_every: 100\nassessment: {yellow_card_points: 1, red_card_points: 2, blue: 1}\n")
    with pytest.raises(PolicyError, match="assessment.blue"):
        load_policy(path)


def test_policy_with_red_cheaper_than_yellow_is_refused(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("checkpoint_every: 100\nassessment: {yellow_card_points: 3, red_card_points: 1}\n")
    with pytest.raises(PolicyError, match="red_card_points"):
        load_policy(path)


def test_missing_policy_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")
