"""The channel adapters and the dispatcher this process runs, from its settings."""

from shared.personal_data import Keyring
from services.notify.config import NotifySettings
from services.notify.domain.circuit_breaker import CircuitBreaker
from services.notify.domain.model import ChannelName
from services.notify.domain.rate_limit import ChannelRateLimiter, RateLimit
from services.notify.domain.retry import RetryPolicy
from services.notify.workers.channels.base import Channel
from services.notify.workers.channels.dingtalk import DingTalkRobotChannel
from services.notify.workers.channels.file import FileSinkChannel
from services.notify.workers.channels.hotline import HotlineChannel
from services.notify.workers.channels.http import HttpClient
from services.notify.workers.channels.sms import SmsChannel, load_sms_gateway
from services.notify.workers.channels.smtp import EmailChannel, SmtpSettings
from services.notify.workers.channels.webhook import WebhookChannel
from services.notify.workers.channels.wecom import WeComRobotChannel
from services.notify.workers.dispatch import Dispatcher

HTTP_CHANNELS = {ChannelName.webhook, ChannelName.wecom, ChannelName.dingtalk, ChannelName.sms,
                 ChannelName.hotline_12345}


def build_adapters(settings: NotifySettings, channels: set[ChannelName], *,
                   client: HttpClient) -> dict[ChannelName, Channel]:
    timeout = settings.send_timeout_s
    builders = {
        ChannelName.file: lambda: FileSinkChannel(path=settings.file_sink),
        ChannelName.webhook: lambda: WebhookChannel(client=client, secret=settings.signing_secret, timeout=timeout),
        ChannelName.wecom: lambda: WeComRobotChannel(client=client, timeout=timeout),
        ChannelName.dingtalk: lambda: DingTalkRobotChannel(client=client, timeout=timeout),
        ChannelName.sms: lambda: SmsChannel(client=client, settings=_sms_gateway(settings)),
        ChannelName.email: lambda: EmailChannel(settings=SmtpSettings(
            host=settings.smtp_host or "", port=settings.smtp_port, sender=settings.smtp_sender,
            username=settings.smtp_username, password=settings.smtp_password, starttls=settings.smtp_starttls,
        )),
        ChannelName.hotline_12345: lambda: HotlineChannel(
            client=client, endpoint=f"{(settings.hotline_endpoint or '').rstrip('/')}/status",
            secret=settings.hotline_secret or settings.signing_secret, timeout=timeout,
        ),
    }
    return {channel: builders[channel]() for channel in sorted(channels)}


def build_dispatcher(settings: NotifySettings, channels: set[ChannelName], *, keyring: Keyring) -> Dispatcher:
    limits = {c: RateLimit(per_second=rate, burst=settings.rate_burst) for c, rate in settings.rate_limits.items()}
    # One keep-alive pool for every HTTP channel, room for each channel's sends in flight (the
    # dispatcher bounds those per channel).
    client = HttpClient(connections=max(settings.send_concurrency * len(channels & HTTP_CHANNELS), 1))
    return Dispatcher(
        adapters=build_adapters(settings, channels, client=client),
        http=client,
        policy=RetryPolicy(max_attempts=settings.retry_max_attempts, base=settings.retry_base_s,
                           cap=settings.retry_cap_s),
        limiter=ChannelRateLimiter(limits=limits),
        new_breaker=lambda: CircuitBreaker(failure_threshold=settings.breaker_failures,
                                           reset_timeout=settings.breaker_reset_s),
        keyring=keyring,
        concurrency=settings.send_concurrency,
        claim_batch=settings.claim_batch,
        poll_s=settings.dispatch_poll_s,
        lease_s=settings.dispatch_lease_s,
    )


def _sms_gateway(settings: NotifySettings):  # -> SmsGatewaySettings
    headers = {settings.sms_token_header: settings.sms_token} if settings.sms_token else {}
    return load_sms_gateway(settings.sms_gateway, headers=headers)  # type: ignore[arg-type]  # sms is enabled only with a gateway
