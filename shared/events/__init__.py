"""Event contracts, one module per producing service. Importing this package registers them all."""

from shared.events import calendar, case, commands, identity, notification, sla, workorder  # noqa: F401 - imported to register
from shared.events.base import Event, event_class, registered_events

__all__ = ["Event", "event_class", "registered_events"]
