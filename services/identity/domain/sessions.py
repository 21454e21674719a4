"""Login sessions (会话) and their timeouts: idle (since last use) and absolute (since login), both
MLPS 2.0 level 3 requirements; refresh tokens live no longer than the session they belong to."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta

    def expired(self, *, started_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now >= started_at + self.absolute or now >= last_seen_at + self.idle

    def ends_at(self, *, started_at: datetime, last_seen_at: datetime) -> datetime:
        return min(started_at + self.absolute, last_seen_at + self.idle)


@dataclass(frozen=True)
class Lockout:
    """Lock an account after `threshold` consecutive failures for `duration`."""

    threshold: int
    duration: timedelta

    def locked(self, *, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and now < locked_until

    def after_failure(self, *, failures: int, now: datetime) -> datetime | None:
        """The new lock's end if this failure (the `failures`-th in a row) reaches the threshold."""
        return now + self.duration if failures >= self.threshold else None
