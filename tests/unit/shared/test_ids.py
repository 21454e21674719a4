"""Time-ordered ids: what every service keys its rows and events by."""

import time
import uuid

from shared.ids import new_id, time_ordered_id
from services.intake import store as intake_store
from services.routing import store as routing_store
from services.sla import store as sla_store


def test_ids_are_uuid7_and_an_id_made_later_sorts_later_as_text() -> None:
    first = new_id()
    time.sleep(0.002)  # the next millisecond: within one, ids are random
    later = [new_id() for _ in range(1000)]
    parsed = [uuid.UUID(i) for i in [first, *later]]
    assert {i.version for i in parsed} == {7} and {i.variant for i in parsed} == {uuid.RFC_4122}
    assert all(first < i for i in later) and len(set(later)) == 1000
    assert abs(int(time_ordered_id().hex[:12], 16) / 1000 - time.time()) < 5  # the first 48 bits: Unix ms


def test_cases_work_orders_and_deadlines_get_time_ordered_ids_by_default() -> None:
    ids = [model.model_fields["id"].default_factory() for model in
           (intake_store.Case, routing_store.WorkOrder, sla_store.Deadline, sla_store.SupervisionItem)]

    assert {uuid.UUID(i).version for i in ids} == {7}
