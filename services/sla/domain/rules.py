"""The district policies and the working-day calendars the service runs on, and their reload.

One `Rules` object per process at a time: the district policies, the operator overrides file and a
calendar per district built from both (`shared.working_days`). A date in a year neither chinese-calendar
nor the overrides know is counted Monday–Friday and said loudly: see `services.sla.metrics.report_assumed`,
the `assumed_weekdays` flag on the deadline and its events, and GET /calendar/status for the console's banner.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from shared.districts import load_packs
from shared.districts.live import PackParts
from shared.working_days import CalendarOverrides, Calendars, WorkingDayCalendar, load_overrides
from services.sla.domain.policy import SlaPolicy, sla_part


class UnknownDistrict(LookupError):
    """An event names a district that has no SLA policy file."""


@dataclass
class Rules:
    policies: PackParts[SlaPolicy]  # every version read: shared by a reload, each new version applied in place
    overrides_path: Path
    calendars: Calendars
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def load(cls, *, overrides_path: Path, packs_dir: Path | None = None) -> "Rules":
        """Read the district packs' policies and the overrides; raises ValueError (pydantic's included) on a
        bad file."""
        policies = PackParts(sla_part, load_packs(packs_dir).values())
        return cls(policies, overrides_path, Calendars(load_overrides(overrides_path)))

    @property
    def overrides(self) -> CalendarOverrides:
        return self.calendars.overrides

    def policy(self, district: str, version: int | None = None) -> SlaPolicy:
        """The district's policy of `version` (a case's), or its newest."""
        try:
            return self.policies.at(district, version)
        except KeyError:
            raise UnknownDistrict(f"no SLA policy for district {district!r}") from None

    def calendar(self, district: str) -> WorkingDayCalendar:
        return self.calendars.calendar(district)

    def known_years(self, district: str) -> frozenset[int]:
        return self.calendars.known_years(district)

    def reloaded(self) -> "Rules":
        """The same policies with the overrides file read again; raises ValueError on a bad file."""
        return Rules(self.policies, self.overrides_path, Calendars(load_overrides(self.overrides_path)))

    def unknown_years_ahead(self, today: date, *, years_ahead: int = 1) -> list[int]:
        """Years from this one to `years_ahead` on that some district's calendar does not know."""
        wanted = range(today.year, today.year + years_ahead + 1)
        return sorted({y for d in self.policies for y in wanted if y not in self.known_years(d)})
