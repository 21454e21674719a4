"""Department commands: a department's own system answers on `bancheng.dept.commands`.

Producer: departments' systems (or the console). Consumer: routing, which checks that the sender
is the department the work order belongs to.
"""

from pydantic import AwareDatetime

from shared.events.base import Event
from shared.events.workorder import ReturnReason


class SignForWorkOrder(Event):
    type = "command.sign_for_work_order"

    work_order_id: str
    department: str


class ReplyToWorkOrder(Event):
    type = "command.reply_to_work_order"

    work_order_id: str
    department: str
    reply: str


class ReturnWorkOrder(Event):
    type = "command.return_work_order"

    work_order_id: str
    department: str
    reason: ReturnReason
    note: str = ""


class RequestExtension(Event):
    type = "command.request_extension"

    work_order_id: str
    department: str
    requested_due_at: AwareDatetime
    legal_basis: str
    reason: str



class ComposeCaseReply(Event):
    """The lead department's reply for the whole case (the envelope's case id), once every order is replied."""

    type = "command.compose_case_reply"

    department: str
    reply: str
