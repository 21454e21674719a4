"""The e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from email import message_from_bytes, policy

from services.notify.domain.model import ChannelName
from services.notify.domain.results import Outcome
from services.notify.workers.channels.smtp import EmailChannel, SmtpSettings

from .conftest import free_port
from .messages import message


def channel(port: int) -> EmailChannel:
    return EmailChannel(settings=SmtpSettings(host="127.0.0.1", port=port, sender="notify@bancheng.example", timeout=5))


async def test_email_is_delivered_with_chinese_subject_and_a_stable_message_id(smtp_server):
    port, sink = smtp_server
    sink.envelopes.clear()
    result = await channel(port).send(message(ChannelName.email, "zjj@bancheng.example"))
    assert result.outcome is Outcome.delivered
    assert result.provider_message_id == "<5b1f2d9e-0000-4000-8000-000000000001@bancheng.local>"
    recipients, raw = sink.envelopes[0]
    mail = message_from_bytes(raw, policy=policy.default)
    assert recipients == ["zjj@bancheng.example"]
    assert mail["Subject"] == "【办成】新工单 BC-1 / New work order"
    assert mail["X-Bancheng-Delivery"] == "5b1f2d9e-0000-4000-8000-000000000001"
    assert "住建局：收到工单 BC-1。" in mail.get_content()


async def test_recipient_refused_with_5xx_is_permanent(smtp_server):
    port, _ = smtp_server
    result = await channel(port).send(message(ChannelName.email, "refused@bancheng.example"))
    assert result.outcome is Outcome.permanent
    assert "550" in result.reason and "no such mailbox" in result.reason


async def test_recipient_deferred_with_4xx_is_retryable(smtp_server):
    port, _ = smtp_server
    result = await channel(port).send(message(ChannelName.email, "busy@bancheng.example"))
    assert result.outcome is Outcome.retryable and "451" in result.reason


async def test_smtp_server_down_is_retryable():
    result = await channel(free_port()).send(message(ChannelName.email, "zjj@bancheng.example"))
    assert result.outcome is Outcome.retryable and "ConnectionRefusedError" in result.reason


async def test_malformed_email_address_fails_permanently_and_names_why(smtp_server):
    port, sink = smtp_server
    sink.envelopes.clear()
    result = await channel(port).send(message(ChannelName.email, "zhang.san.example.com"))
    assert result.outcome is Outcome.permanent
    assert result.reason == "malformed e-mail address z***"
    assert sink.envelopes == []
