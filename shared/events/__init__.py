"""Event contracts, one module per producing service. Importing this package registers them all."""

from shared.events import (  # noqa: F401 - imported to register
    calendar,
    case,
    commands,
    district,
    identity,
    notification,
    sla,
    workorder,
)
from shared.events.base import Event, event_class, registered_events

__all__ = ["Event", "event_class", "registered_events"]
