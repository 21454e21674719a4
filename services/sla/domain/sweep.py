"""Which firings of one deadline to send now: each once, in order, and no storm after downtime.

The choice, for a deadline whose firings piled up while sla was down (or a sweep ran late):
- Cards are facts for assessment: every due yellow and red card fires, once, yellow before red.
- Warnings are reminders whose worth expires: once the deadline has passed, a pending warning is
  superseded (marked done, not sent); before it, only the latest due warning is sent.
- Nothing whose key is in `fired` is returned again, even if a pause or an extension moved it: a
  moved deadline is announced by its own extension/pause event, not by repeating a reminder.
The store marks both `fire` and `superseded` keys as done in the transaction that emits the events.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from shared.clock import as_utc

from .schedule import Firing, Schedule, Stage


@dataclass(frozen=True, slots=True)
class SweepDecision:
    fire: tuple[Firing, ...]  # send, in this order
    superseded: tuple[Firing, ...]  # record as done without sending

    @property
    def done_keys(self) -> frozenset[str]:
        return frozenset(f.key for f in (*self.fire, *self.superseded))


def due_firings(*, schedule: Schedule, now: datetime, fired: Collection[str]) -> SweepDecision:
    """Split the firings due at `now` and not yet in `fired` into those to send and those moot."""
    now = as_utc(now, field="now")
    pending = [f for f in schedule.firings if f.at <= now and f.key not in fired]
    warnings = [f for f in pending if f.stage is Stage.WARNING]
    cards = [f for f in pending if f.stage is not Stage.WARNING]
    deadline_passed = schedule.due_at is not None and schedule.due_at <= now
    send_warning = warnings[-1:] if warnings and not deadline_passed else []
    return SweepDecision(
        fire=tuple(send_warning + cards),
        superseded=tuple(f for f in warnings if f not in send_warning),
    )


def next_firing_at(*, schedule: Schedule, fired: Collection[str]) -> datetime | None:
    """When this deadline next needs a sweep (the store's index column); None when nothing is left."""
    return min((f.at for f in schedule.firings if f.key not in fired), default=None)
