"""Work-order events (工单). Producer: routing. Consumers: intake, sla, notify, audit.

The same event also goes to the department's own topic (`bancheng.dept.<code>.workorders`).
"""

from typing import Literal

from pydantic import Field

from shared.events.base import Event
from shared.events.case import Tier


class WorkOrderDispatched(Event):
    """A work order was dispatched (转办) to a department, as lead (主办) or assisting (协办)."""

    type = "workorder.dispatched"

    work_order_id: str
    case_number: str
    department: str = Field(examples=["market"])
    role: Literal["lead", "assisting"]
    matter_code: str | None = None
    tier: Tier
    reason: str = Field(description="Why this department: the routing rule that decided")
