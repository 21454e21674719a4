"""Notify's composition root: settings → runtime (planner, channel workers, dispatcher) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.notify.adapters import build_dispatcher
from services.notify.api import router
from services.notify.config import NotifySettings, get_settings
from services.notify.domain.config_files import load_notify_config
from services.notify.domain.model import ChannelName
from services.notify.handlers import consumer
from services.notify.personal_data import SEALED_TABLES, notify_keyring
from services.notify.workers import channel_worker


def build_runtime(settings: NotifySettings | None = None) -> Runtime:
    """The notify service: the planner plus a worker and dispatcher for every enabled channel."""
    settings = settings or get_settings()
    load_notify_config(settings.data_dir, settings.districts_dir)  # a broken rule or template file stops the start, naming the fault
    return _runtime(settings, settings.enabled_channels(), planner=True)


def build_channel_worker_runtime(settings: NotifySettings, channels: set[ChannelName]) -> Runtime:
    """Workers for `channels` alone (with their own database): how a new channel joins a running system."""
    return _runtime(settings, channels, planner=False)


def _runtime(settings: NotifySettings, channels: set[ChannelName], *, planner: bool) -> Runtime:
    dispatcher = build_dispatcher(settings, channels)
    workers = [channel_worker(channel.value, on_queued=dispatcher.wake) for channel in sorted(channels)]
    runtime = Runtime(
        settings=settings,
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer, *workers] if planner else workers,
        routers=[router],
        background=[dispatcher.run],
        title="Bancheng notify (通知)",
        description="Who must hear what, on which channel: planner, channel workers, delivery with retries.",
        keyring=notify_keyring(),
        sealed_tables=SEALED_TABLES,
    )
    return runtime

