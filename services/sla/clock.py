"""The sweeper's clock: real time, which tests (and only tests) may move forward or back."""

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, *, offset_s: float = 0.0, movable: bool = False) -> None:
        self._offset = timedelta(seconds=offset_s)
        self.movable = movable

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset_s(self) -> float:
        return self._offset.total_seconds()

    def set_now(self, instant: datetime) -> None:
        """Move the clock so that now() is `instant`; refused unless the clock is movable (tests)."""
        if not self.movable:
            raise PermissionError("the clock moves only when environment=test")
        self._offset = instant - datetime.now(UTC)
