"""compose(): render a planned delivery into the message its channel will send."""

from __future__ import annotations

from .model import Delivery, Message
from .templates import TemplateBook, render


def compose(delivery: Delivery, *, templates: TemplateBook) -> Message:
    """Raises TemplateError naming the variable; record it as a permanent failure of this delivery."""
    rendered = render(
        templates, delivery.template, channel=delivery.channel, variables=delivery.variables
    )
    metadata = {
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "case_id": delivery.case_id,
        "case_number": str(delivery.variables["case_number"]),
        "recipient_id": delivery.recipient_id,
        "template": delivery.template,
    }
    if delivery.hotline_status is not None:
        metadata["hotline_status"] = delivery.hotline_status.value
    return Message(
        delivery_id=delivery.delivery_id,
        channel=delivery.channel,
        address=delivery.address,
        recipient_name=delivery.recipient_name,
        subject=rendered.subject,
        text=rendered.text,
        markdown=rendered.markdown,
        not_before=delivery.not_before,
        metadata=metadata,
    )
