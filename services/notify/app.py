"""Notify's composition root: settings → rules and templates, keyring, dispatcher → runtime (planner, channel
workers) → HTTP app."""

from dataclasses import dataclass
from pathlib import Path

from shared.personal_data import Keyring, get_keyring
from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.notify import handlers
from services.notify.api import routers
from services.notify.config import NotifySettings, get_settings
from services.notify.domain.config_files import NotifyConfig, load_notify_config
from services.notify.domain.model import ChannelName
from services.notify.store.personal_data import SEALED_TABLES
from services.notify.workers.adapters import build_dispatcher
from services.notify.workers.dispatch import Dispatcher


@dataclass(kw_only=True)
class NotifyRuntime(Runtime):
    """The runtime with what notify's handlers, dispatcher and routes share: the rules and templates the planner
    plans by (None in a channel-worker process: it plans nothing), the keyring, and the channels it runs with their
    dispatcher."""

    settings: NotifySettings
    config: NotifyConfig | None
    keyring: Keyring
    channels: set[ChannelName]
    dispatcher: Dispatcher


def build_runtime(settings: NotifySettings | None = None) -> NotifyRuntime:
    """The notify service: the planner plus a worker and dispatcher for every enabled channel."""
    settings = settings or get_settings()
    # A broken rule or template file stops the start, naming the fault.
    config = load_notify_config(settings.data_dir, settings.districts_dir)
    return _runtime(settings, settings.enabled_channels(), config=config)


def build_channel_worker_runtime(settings: NotifySettings, channels: set[ChannelName]) -> NotifyRuntime:
    """Workers for `channels` alone (with their own database): how a new channel joins a running system."""
    return _runtime(settings, channels, config=None)


def _runtime(settings: NotifySettings, channels: set[ChannelName], *, config: NotifyConfig | None) -> NotifyRuntime:
    """With `config`, the planner too (planning by its rules and templates)."""
    keyring: Keyring = get_keyring(environment=settings.environment)  # BANCHENG_PII_*, read once per runtime
    dispatcher = build_dispatcher(settings, channels, keyring=keyring)
    return NotifyRuntime(
        settings=settings,
        config=config,
        keyring=keyring,
        channels=channels,
        dispatcher=dispatcher,
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        subscribers=handlers.subscribers,
        routers=routers,
        background=[dispatcher.run, handlers.follow_district_packs],
        title="Bancheng notify (通知)",
        description="Who must hear what, on which channel: planner, channel workers, delivery with retries.",
        sealed_tables=SEALED_TABLES,
    )
