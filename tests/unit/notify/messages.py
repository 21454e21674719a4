"""Messages as compose() would make them, for channel tests."""

from datetime import UTC, datetime

from services.notify.domain.model import ChannelName, Message


def message(channel: ChannelName, address: str | None, **changes: object) -> Message:
    values: dict[str, object] = {
        "delivery_id": "5b1f2d9e-0000-4000-8000-000000000001",
        "channel": channel,
        "address": address,
        "recipient_name": "住建局",
        "subject": "【办成】新工单 BC-1 / New work order",
        "text": "住建局：收到工单 BC-1。\nZJJ: new work order BC-1.",
        "not_before": datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        "metadata": {"case_id": "case-1", "case_number": "BC-1", "event_type": "workorder.dispatched"},
    }
    return Message.model_validate({**values, **changes})
