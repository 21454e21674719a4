"""Notify's settings (env prefix BANCHENG_NOTIFY_).

Providers are optional: a channel runs a worker only when its provider is configured (file, webhook,
WeCom and DingTalk need nothing but the recipient's URL). Requests for a channel without a worker wait
in its topic until one subscribes.
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.districts import packs_dir
from shared.settings import REPO_ROOT, ServiceSettings
from services.notify.domain.config_files import DATA_DIR
from services.notify.domain.model import ChannelName


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_NOTIFY_")

    service_name: str = "notify"
    port: int = 8104
    data_dir: Path = DATA_DIR  # templates.yaml
    # The district packs (shared/districts): BANCHENG_DISTRICTS_DIR, as every service reads them.
    districts_dir: Path = Field(default_factory=packs_dir)
    file_sink: Path = REPO_ROOT / "var" / "notify-file-sink.jsonl"  # the development channel
    channels: set[ChannelName] = {ChannelName.file, ChannelName.webhook, ChannelName.wecom, ChannelName.dingtalk}
    # SMS gateway protocol file (see data/sms_gateway.yaml) and its API token header.
    sms_gateway: Path | None = None
    sms_token_header: str = "X-Api-Token"
    sms_token: str = ""
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "noreply@bancheng.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # 12345 platform: status updates are POSTed to `{hotline_endpoint}/status`, signed with this secret.
    hotline_endpoint: str | None = None
    hotline_secret: str | None = None  # the service's signing_secret when unset
    # Delivery machinery.
    retry_max_attempts: int = 6  # the first attempt included
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    rate_limits: dict[ChannelName, float] = {ChannelName.wecom: 20 / 60, ChannelName.dingtalk: 20 / 60}
    rate_burst: int = 20
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    send_concurrency: int = 64  # sends in flight per channel, each on its own keep-alive connection
    # Rows a dispatch pass claims: a process killed mid-pass holds those it had not sent for one lease.
    claim_batch: int = 256
    dispatch_poll_s: float = 0.5
    # A claimed row is another process's to retry once this long passes without its claimer renewing
    # it (every third of it while sending): how long a kill -9 delays the rows it held.
    dispatch_lease_s: float = 10.0
    send_timeout_s: float = 10.0

    def enabled_channels(self) -> set[ChannelName]:
        configured = {
            ChannelName.sms: self.sms_gateway is not None,
            ChannelName.email: self.smtp_host is not None,
            ChannelName.hotline_12345: self.hotline_endpoint is not None,
        }
        return set(self.channels) | {channel for channel, ready in configured.items() if ready}


def get_settings() -> NotifySettings:
    return NotifySettings()
