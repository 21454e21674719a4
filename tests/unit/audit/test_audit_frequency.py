from decimal import Decimal

import pytest

from services.audit.domain.frequency import ProblemCount, analyse_high_frequency, previous_months
from services.audit.domain.policy import FrequencyPolicy

POLICY = FrequencyPolicy(lookback_months=3, min_count=3, rise_ratio=Decimal("1.5"), recurring_min_months=2, top=10)


def counts(matter, kind, hall, by_month):
    return [ProblemCount(matter=matter, kind=kind, hall=hall, month=m, count=n) for m, n in by_month.items()]


DATA = (
    # Steady: 4 a month, never rising.
    counts("房屋租赁登记备案", "资料不齐", "沙河", {"2024-01": 4, "2024-02": 4, "2024-03": 4, "2024-04": 4})
    # Rising: baseline (1 + 2 + 3) / 3 = 2, now 6 >= 1.5 x 2.
    + counts("营业执照地址变更", "不会办", "沙河", {"2024-01": 1, "2024-02": 2, "2024-03": 3, "2024-04": 6})
    # New this month but below the minimum count.
    + counts("交通安全统筹", "办不了", "城中", {"2024-04": 2})
    # New this month at the minimum count: rising from nothing.
    + counts("演出许可", "难办", "嘉定", {"2024-04": 3})
    # Outside the window: ignored.
    + counts("食品经营许可", "快办", "东区", {"2023-11": 50, "2023-12": 50})
)


def test_previous_months_cross_the_year_boundary():
    assert previous_months("2024-02", 3) == ["2023-11", "2023-12", "2024-01"]
    with pytest.raises(ValueError):
        previous_months("2024-13", 3)


def test_rising_problems_are_flagged_against_the_three_month_mean():
    report = analyse_high_frequency(DATA, month="2024-04", policy=POLICY)
    assert [(t.problem[0], t.current, t.baseline) for t in report.rising] == [
        ("营业执照地址变更", 6, Decimal(2)), ("演出许可", 3, Decimal(0))]


def test_recurring_problems_are_ranked_by_cases_in_the_window():
    report = analyse_high_frequency(DATA, month="2024-04", policy=POLICY)
    assert [(t.problem[0], t.total, t.months_present) for t in report.recurring] == [
        ("房屋租赁登记备案", 16, 4), ("营业执照地址变更", 12, 4)]


def test_grouping_by_matter_merges_halls():
    data = counts("住改商证明", "难办", "东区", {"2024-03": 1, "2024-04": 2}) + counts(
        "住改商证明", "难办", "三乡", {"2024-04": 2})
    report = analyse_high_frequency(data, month="2024-04", policy=POLICY, group_by=("matter",))
    assert [(t.problem, t.current, t.rising) for t in report.rising] == [(("住改商证明",), 4, True)]


def test_unknown_grouping_field_is_refused():
    with pytest.raises(ValueError, match="group_by"):
        analyse_high_frequency(DATA, month="2024-04", policy=POLICY, group_by=("department",))
