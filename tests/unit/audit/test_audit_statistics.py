from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from services.audit.domain.case_facts import CaseFacts, CaseState, Satisfaction
from services.audit.domain.statistics import Dimension, Period, period_label, tally, tally_by

AUG_13 = datetime(2021, 8, 13, 1, 0, tzinfo=UTC)


def case(n, *, hall, district, state, **facts):
    return CaseFacts(case_id=f"{hall}-{n}", received_at=AUG_13 + timedelta(days=2 * n), hall=hall,
                     district=district, channel="walk_in", kind="policy", matter=None, state=state,
                     department=facts.pop("department", None), **facts)


def dongqu():
    """Zhongshan Dongqu: 16 reported = 7 out of scope + 8 accepted and resolved + 1 in coordination."""
    hall, district = "东区街道政务服务中心", "中山市东区"
    return (
        [case(i, hall=hall, district=district, state=CaseState.referred_out_of_scope, out_of_scope=True)
         for i in range(7)]
        + [case(i, hall=hall, district=district,
                state=CaseState.resolved_on_spot if i < 10 else CaseState.callback_recorded, accepted=True,
                resolved_on_the_spot=i < 10, dispatched=i >= 10, replied=i >= 10, on_time=True) for i in range(7, 15)]
        + [case(15, hall=hall, district=district, state=CaseState.dispatched, accepted=True, dispatched=True,
                in_coordination=True)]
    )


def zhongshan_city():
    """Zhongshan city to 2021-09-08: 24 received, 22 closed, 2 in progress, closed ones 100% satisfied."""
    hall, district = "中山市政务服务中心", "中山市"
    return (
        [case(i, hall=hall, district=district, state=CaseState.archived, accepted=True, dispatched=True,
              replied=True, on_time=True,
              satisfaction=Satisfaction.SATISFIED if i % 4 else Satisfaction.BASICALLY_SATISFIED) for i in range(22)]
        + [case(i, hall=hall, district=district, state=CaseState.dispatched, accepted=True, dispatched=True)
           for i in range(22, 24)]
    )


def shahe():
    """Shenzhen Shahe: 96 accepted, 96 coordinated and handled (100%)."""
    return [case(i, hall="沙河街道政务服务中心", district="深圳市南山区", state=CaseState.callback_recorded,
                 accepted=True, dispatched=True, replied=True) for i in range(96)]


def test_dongqu_figures_and_rates():
    figures = tally(dongqu())
    assert (figures.received, figures.out_of_scope, figures.resolved, figures.in_progress) == (16, 7, 8, 1)
    assert (figures.accepted, figures.resolved_on_the_spot, figures.dispatched, figures.closed) == (9, 3, 6, 15)
    assert figures.response_rate.value == 1
    assert figures.resolution_rate.value == Fraction(8, 9) and figures.resolution_rate.percent() == 88.9
    assert figures.satisfaction_rate.value is None  # nobody rated: no rate rather than 0%
    assert figures.on_time_rate.value == 1


def test_zhongshan_city_figures_and_rates():
    figures = tally(zhongshan_city())
    assert (figures.received, figures.closed, figures.in_progress) == (24, 22, 2)
    assert figures.satisfaction_rate == type(figures.satisfaction_rate)(22, 22)
    assert figures.resolution_rate.percent() == 91.7
    assert figures.response_rate.value == 1


def test_shahe_all_accepted_cases_handled():
    figures = tally(shahe())
    assert (figures.accepted, figures.resolved, figures.replied) == (96, 96, 96)
    assert figures.resolution_rate.percent() == 100.0


def test_unanswered_and_dissatisfied_cases_lower_the_rates():
    rows = [case(0, hall="h", district="d", state=CaseState.registered),
            case(1, hall="h", district="d", state=CaseState.callback_recorded, accepted=True, on_time=False,
                 satisfaction=Satisfaction.DISSATISFIED, yellow_cards=1, returns=2, extensions=1)]
    figures = tally(rows)
    assert figures.response_rate.value == Fraction(1, 2)
    assert figures.satisfaction_rate.value == 0
    assert (figures.overdue, figures.yellow_cards, figures.returns, figures.extensions) == (1, 1, 2, 1)


def test_tally_by_district_separates_the_seeded_districts():
    by_district = tally_by(dongqu() + zhongshan_city() + shahe(), dimension=Dimension.DISTRICT)
    assert {key: figures.received for key, figures in by_district.items()} == {
        ("中山市东区", None): 16, ("中山市", None): 24, ("深圳市南山区", None): 96}


def test_periods_follow_the_shanghai_calendar():
    late_utc = datetime(2021, 8, 31, 16, 30, tzinfo=UTC)  # already 1 September in Shanghai
    assert period_label(late_utc, Period.DAY) == "2021-09-01"
    assert period_label(late_utc, Period.MONTH) == "2021-09"
    assert period_label(late_utc, Period.QUARTER) == "2021-Q3"
    assert period_label(late_utc, Period.WEEK) == "2021-W35"
    assert period_label(late_utc, Period.YEAR) == "2021"
    with pytest.raises(ValueError):
        period_label(datetime(2021, 9, 1), Period.DAY)


def test_tally_by_month_splits_august_from_september():
    by_month = tally_by(dongqu(), period=Period.MONTH)
    assert {key: figures.received for key, figures in by_month.items()} == {(None, "2021-08"): 10, (None, "2021-09"): 6}
