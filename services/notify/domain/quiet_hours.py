"""Citizens' quiet hours, reasoned in local (Asia/Shanghai) time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.clock import as_utc, require_aware
from shared.districts.schema import TimezoneName

from .model import Audience, ChannelName, Frozen


class QuietHours(Frozen):
    """No message on `channels` to `audiences` between `start` and `end` local time.

    `start` later than `end` means the window crosses midnight (21:00 → 08:00).
    """

    start: time
    end: time
    channels: frozenset[ChannelName] = frozenset({ChannelName.sms})
    audiences: frozenset[Audience] = frozenset({Audience.citizen})
    timezone: TimezoneName = "Asia/Shanghai"

    def applies_to(self, *, audience: Audience, channel: ChannelName) -> bool:
        return audience in self.audiences and channel in self.channels

    def is_quiet(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release_time(self, moment: datetime) -> datetime:
        """`moment` itself outside quiet hours, else the end of the quiet period it falls in (UTC)."""
        moment = require_aware(moment, field="moment")
        if not self.is_quiet(moment):
            return as_utc(moment)
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        end_day = local.date()
        if local.time() >= self.end:
            end_day += timedelta(days=1)
        release = datetime.combine(end_day, self.end, tzinfo=zone)
        return as_utc(release)
