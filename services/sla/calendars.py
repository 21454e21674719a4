"""The working-day calendars and district policies the service runs on, and their reload.

One `Rules` object per process: the district policies, the operator overrides file and a calendar
per district built from both. A date in a year neither chinese-calendar nor the overrides know is
counted Monday–Friday and said loudly: a warning log line (once per year and process), the
`bancheng_sla_assumed_weekday_schedules_total` counter, the `assumed_weekdays` flag on the deadline
and its events, and GET /calendar/status for the console's banner.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from prometheus_client import Counter

from services.sla.domain.policy import SlaPolicy, load_policies
from services.sla.domain.working_days import CalendarOverrides, WorkingDayCalendar, load_overrides

log = logging.getLogger(__name__)

ASSUMED_SCHEDULES = Counter(
    "bancheng_sla_assumed_weekday_schedules_total",
    "Deadlines computed over a year the calendar does not know (weekdays assumed)",
    ["year"],
)


class UnknownDistrict(LookupError):
    """An event names a district that has no SLA policy file."""


@dataclass
class Rules:
    policies: dict[str, SlaPolicy]
    overrides_path: Path
    overrides: CalendarOverrides
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _calendars: dict[str, WorkingDayCalendar] = field(default_factory=dict)
    _years_logged: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, *, overrides_path: Path, packs_dir: Path | None = None) -> "Rules":
        """Read the district packs' policies and the overrides; raises ValueError (pydantic's included) on a bad file."""
        return cls(load_policies(packs_dir), overrides_path, load_overrides(overrides_path))

    def policy(self, district: str) -> SlaPolicy:
        try:
            return self.policies[district]
        except KeyError:
            raise UnknownDistrict(f"no SLA policy for district {district!r}") from None

    def calendar(self, district: str) -> WorkingDayCalendar:
        calendar = self._calendars.get(district)
        if calendar is None:
            calendar = WorkingDayCalendar.from_chinese_calendar(overrides=self.overrides, district=district)
            self._calendars[district] = calendar
        return calendar

    def known_years(self, district: str) -> frozenset[int]:
        return self.calendar(district).known_years

    def report_assumed(self, years: frozenset[int], *, subject_id: str) -> None:
        """Count and log a schedule that assumed weekdays for `years`."""
        for year in years:
            ASSUMED_SCHEDULES.labels(str(year)).inc()
            if year not in self._years_logged:
                self._years_logged.add(year)
                log.warning(
                    "working-day calendar does not know %s: weekdays assumed (first for %s); "
                    "add the year to %s and POST /calendar/reload",
                    year,
                    subject_id,
                    self.overrides_path,
                )

    def reloaded(self) -> "Rules":
        """The same policies with the overrides file read again; raises ValueError on a bad file."""
        return Rules(self.policies, self.overrides_path, load_overrides(self.overrides_path))

    def unknown_years_ahead(self, today: date, *, years_ahead: int = 1) -> list[int]:
        """Years from this one to `years_ahead` on that some district's calendar does not know."""
        wanted = range(today.year, today.year + years_ahead + 1)
        return sorted({y for d in self.policies for y in wanted if y not in self.known_years(d)})
