"""Routing's storage: the tables, the queries, and the write machinery shared by routes and handlers (dispatching,
department actions, the catalogues in force, the similar-case index, the working-day overrides)."""

from services.routing.store.queries import (
    cases_in_state,
    inbox_of,
    latest_pack_version,
    pack_history,
    pack_version,
    pending_extensions,
    replied_cases_since,
    routed_case,
    routed_case_ids,
    set_due_at,
    work_order,
    work_orders_of_case,
    working_day_overrides,
)
from services.routing.store.tables import DistrictPackVersion, RoutedCase, WorkingDayOverrides, WorkOrder

__all__ = [
    "DistrictPackVersion",
    "RoutedCase",
    "WorkOrder",
    "WorkingDayOverrides",
    "pack_history",
    "pack_version",
    "cases_in_state",
    "inbox_of",
    "pending_extensions",
    "latest_pack_version",
    "replied_cases_since",
    "routed_case",
    "routed_case_ids",
    "set_due_at",
    "work_order",
    "work_orders_of_case",
    "working_day_overrides",
]
