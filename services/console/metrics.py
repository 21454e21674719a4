"""The console's own metrics (beside the shared HTTP and bus ones): its live connections."""

from prometheus_client import Counter, Gauge

LIVE_CLIENTS = Gauge("bancheng_console_live_clients", "Browsers holding an open live stream (/api/live)")
LIVE_DELIVERED = Counter("bancheng_console_live_changes_total", "Changes queued for live clients")
LIVE_DROPPED = Counter("bancheng_console_live_dropped_total",
                       "Live clients dropped because their queue was full (a browser not keeping up)")
