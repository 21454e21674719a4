from datetime import datetime, timedelta

import pytest

from shared.clock import SHANGHAI
from services.audit.domain.filters import CaseFilter
from services.audit.domain.statistics import Period
from services.audit.store.tallies import grain_for

SEPTEMBER = datetime(2026, 9, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("case_filter", "period", "grain"), [
    (CaseFilter(), None, "month"),
    (CaseFilter(district=("d1",), department=("market",)), Period.YEAR, "month"),
    (CaseFilter(), Period.WEEK, "day"),
    (CaseFilter(received_from=SEPTEMBER, received_to=SEPTEMBER + timedelta(days=30)), Period.MONTH, "month"),
    (CaseFilter(received_from=SEPTEMBER + timedelta(days=7)), None, "day"),
    (CaseFilter(received_from=SEPTEMBER + timedelta(hours=10)), None, None),
    (CaseFilter(received_to=SEPTEMBER - timedelta(hours=8)), None, None),  # UTC midnight is not a Shanghai day boundary
    (CaseFilter(state=("callback_recorded",)), None, None),
    (CaseFilter(card_colour=("red",)), None, None),
    (CaseFilter(text="租赁"), None, None),
])
def test_rollup_answers_only_filters_it_counts_exactly(case_filter, period, grain):
    assert grain_for(case_filter, period) == grain
