"""Channel adapters against a real HTTP receiver on 127.0.0.1."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from shared.webhook_signing import verify
from services.notify.domain.model import ChannelName
from services.notify.domain.results import Outcome
from services.notify.workers.channels.dingtalk import DingTalkRobotChannel
from services.notify.workers.channels.hotline import HotlineChannel
from services.notify.workers.channels.http import HttpClient
from services.notify.workers.channels.sms import SmsChannel, SmsGatewaySettings
from services.notify.workers.channels.webhook import WebhookChannel
from services.notify.workers.channels.wecom import WeComRobotChannel

from .conftest import Reply
from .messages import message

NOW = 1_795_000_000.0


@pytest.fixture
async def client():
    http = HttpClient()
    yield http
    await http.aclose()


def sms_settings(url: str) -> SmsGatewaySettings:
    return SmsGatewaySettings(
        url=url,
        headers={"Authorization": "Bearer test-token"},
        body={"mobile": "{phone}", "content": "{text}", "out_id": "{delivery_id}", "sign": "办成"},
        success_field="code",
        retryable_values=("busy",),
        message_field="message",
        message_id_field="data.msg_id",
    )


async def test_webhook_is_signed_so_the_receiver_can_verify_it(http_receiver, client):
    channel = WebhookChannel(client=client, secret="s3cret", clock=lambda: NOW)
    result = await channel.send(message(ChannelName.webhook, http_receiver.url("/hook")))
    assert result.outcome is Outcome.delivered
    request = http_receiver.requests[0]
    assert request.headers["X-Bancheng-Delivery"] == "5b1f2d9e-0000-4000-8000-000000000001"
    assert verify(secret="s3cret", timestamp=request.headers["X-Bancheng-Timestamp"], body=request.body,
                  received=request.headers["X-Bancheng-Signature"], now=NOW)
    assert not verify(secret="other", timestamp=request.headers["X-Bancheng-Timestamp"], body=request.body,
                      received=request.headers["X-Bancheng-Signature"], now=NOW)
    assert json.loads(request.body)["case_number"] == "BC-1"


async def test_signature_covers_timestamp_and_raw_body():
    from shared.webhook_signing import signature

    expected = hmac.new(b"k", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest()
    assert signature(secret="k", timestamp="1700000000", body=b'{"a":1}') == expected


async def test_stale_signed_request_is_rejected_by_verify():
    from shared.webhook_signing import signature

    sig = signature(secret="k", timestamp=str(int(NOW)), body=b"{}")
    assert not verify(secret="k", timestamp=str(int(NOW)), body=b"{}", received=sig, now=NOW + 301)


async def test_hotline_sync_posts_status_to_the_platform(http_receiver, client):
    channel = HotlineChannel(client=client, endpoint=http_receiver.url("/12345/status"), secret="k", clock=lambda: NOW)
    msg = message(ChannelName.hotline_12345, "GD-2026-112233", text="已答复 / replied: 材料已补齐",
                  metadata={"case_number": "BC-1", "hotline_status": "replied"})
    assert (await channel.send(msg)).outcome is Outcome.delivered
    request = http_receiver.requests[0]
    assert json.loads(request.body) == {
        "ticket_id": "GD-2026-112233", "status": "replied", "case_number": "BC-1",
        "note": "已答复 / replied: 材料已补齐", "delivery_id": msg.delivery_id,
    }
    assert verify(secret="k", timestamp=request.headers["X-Bancheng-Timestamp"], body=request.body,
                  received=request.headers["X-Bancheng-Signature"], now=NOW)


async def test_hotline_message_without_a_status_fails_permanently(http_receiver, client):
    channel = HotlineChannel(client=client, endpoint=http_receiver.url("/12345/status"), secret="k")
    result = await channel.send(message(ChannelName.hotline_12345, "GD-1"))
    assert result.outcome is Outcome.permanent and "hotline status" in result.reason
    assert http_receiver.requests == []


async def test_wecom_robot_gets_markdown_when_the_template_has_it(http_receiver, client):
    channel = WeComRobotChannel(client=client)
    await channel.send(message(ChannelName.wecom, http_receiver.url("/cgi-bin/webhook/send?key=abc"),
                               markdown="### 新工单 BC-1"))
    await channel.send(message(ChannelName.wecom, http_receiver.url("/cgi-bin/webhook/send?key=abc")))
    bodies = [json.loads(r.body) for r in http_receiver.requests]
    assert bodies[0] == {"msgtype": "markdown", "markdown": {"content": "### 新工单 BC-1"}}
    assert bodies[1]["msgtype"] == "text" and bodies[1]["text"]["content"].startswith("住建局")


async def test_wecom_overlong_text_is_cut_to_its_byte_limit(http_receiver, client):
    channel = WeComRobotChannel(client=client)
    await channel.send(message(ChannelName.wecom, http_receiver.url("/w"), text="办" * 1000))
    content = json.loads(http_receiver.requests[0].body)["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("…")


@pytest.mark.parametrize(("errcode", "outcome"), [(45009, Outcome.retryable), (93000, Outcome.permanent)])
async def test_wecom_errcode_is_classified(http_receiver, client, errcode, outcome):
    http_receiver.script("/w", Reply(body=json.dumps({"errcode": errcode, "errmsg": "x"}).encode()))
    result = await WeComRobotChannel(client=client).send(message(ChannelName.wecom, http_receiver.url("/w")))
    assert result.outcome is outcome and f"errcode {errcode}" in result.reason


async def test_dingtalk_signed_robot_url_carries_timestamp_and_valid_sign(http_receiver, client):
    channel = DingTalkRobotChannel(client=client, secrets={"tok": "SECxyz"}, clock=lambda: NOW)
    result = await channel.send(message(ChannelName.dingtalk, http_receiver.url("/robot/send?access_token=tok"),
                                        markdown="### 红牌 BC-1"))
    assert result.outcome is Outcome.delivered
    request = http_receiver.requests[0]
    query = parse_qs(urlsplit(request.path).query)
    timestamp = query["timestamp"][0]
    assert timestamp == str(int(NOW * 1000))
    expected = base64.b64encode(hmac.new(b"SECxyz", f"{timestamp}\nSECxyz".encode(), hashlib.sha256).digest())
    assert unquote_plus(request.path.split("sign=")[1]).encode() == expected
    assert json.loads(request.body) == {
        "msgtype": "markdown", "markdown": {"title": "【办成】新工单 BC-1 / New work order", "text": "### 红牌 BC-1"}}


async def test_dingtalk_robot_without_a_secret_is_called_unsigned(http_receiver, client):
    channel = DingTalkRobotChannel(client=client)
    await channel.send(message(ChannelName.dingtalk, http_receiver.url("/robot/send?access_token=tok")))
    assert http_receiver.requests[0].path == "/robot/send?access_token=tok"
    assert json.loads(http_receiver.requests[0].body)["msgtype"] == "text"


async def test_dingtalk_too_fast_is_retryable(http_receiver, client):
    http_receiver.script("/robot/send", Reply(body=b'{"errcode":130101,"errmsg":"send too fast"}'))
    result = await DingTalkRobotChannel(client=client).send(
        message(ChannelName.dingtalk, http_receiver.url("/robot/send?access_token=t")))
    assert result.outcome is Outcome.retryable and "send too fast" in result.reason


async def test_sms_gateway_receives_the_configured_json_and_returns_its_id(http_receiver, client):
    http_receiver.script("/sms", Reply(body=b'{"code":"0","data":{"msg_id":"m-77"}}'))
    channel = SmsChannel(client=client, settings=sms_settings(http_receiver.url("/sms")))
    result = await channel.send(message(ChannelName.sms, "+86 138-1234-5678", text="【办成】编号BC-1已受理"))
    assert (result.outcome, result.provider_message_id) == (Outcome.delivered, "m-77")
    request = http_receiver.requests[0]
    assert request.headers["Authorization"] == "Bearer test-token"
    assert json.loads(request.body) == {
        "mobile": "13812345678", "content": "【办成】编号BC-1已受理",
        "out_id": "5b1f2d9e-0000-4000-8000-000000000001", "sign": "办成"}


@pytest.mark.parametrize(("code", "outcome"), [("busy", Outcome.retryable), ("blacklisted", Outcome.permanent)])
async def test_sms_gateway_codes_are_classified_with_its_explanation(http_receiver, client, code, outcome):
    http_receiver.script("/sms", Reply(body=json.dumps({"code": code, "message": "号码 13812345678 受限"}).encode()))
    channel = SmsChannel(client=client, settings=sms_settings(http_receiver.url("/sms")))
    result = await channel.send(message(ChannelName.sms, "13812345678"))
    assert result.outcome is outcome
    assert result.reason == f"gateway code {code}: 号码 138****5678 受限"


def test_sms_settings_refuse_an_unknown_placeholder():
    with pytest.raises(ValueError, match=r"\{mobile\}"):
        SmsGatewaySettings(url="http://127.0.0.1/sms", body={"to": "{mobile}"})


async def test_server_error_is_retryable_and_carries_retry_after(http_receiver, client):
    http_receiver.script("/hook", Reply(status=503, body=b"busy", headers={"Retry-After": "7"}))
    result = await WebhookChannel(client=client, secret="k").send(
        message(ChannelName.webhook, http_receiver.url("/hook"))
    )
    assert (result.outcome, result.status_code, result.retry_after) == (Outcome.retryable, 503, 7.0)


async def test_client_error_is_permanent_with_the_providers_reason(http_receiver, client):
    http_receiver.script("/hook", Reply(status=422, body=b'{"error":"unknown department"}'))
    result = await WebhookChannel(client=client, secret="k").send(
        message(ChannelName.webhook, http_receiver.url("/hook"))
    )
    assert result.outcome is Outcome.permanent
    assert result.reason == 'HTTP 422: {"error":"unknown department"}'


async def test_redirect_is_not_followed_and_fails_permanently(http_receiver, client):
    http_receiver.script("/hook", Reply(status=302, body=b"", headers={"Location": http_receiver.url("/elsewhere")}))
    result = await WebhookChannel(client=client, secret="k").send(
        message(ChannelName.webhook, http_receiver.url("/hook"))
    )
    assert (result.outcome, result.status_code) == (Outcome.permanent, 302)
    assert [request.path for request in http_receiver.requests] == ["/hook"]


async def test_rate_limited_by_the_provider_is_retryable(http_receiver, client):
    http_receiver.script("/hook", Reply(status=429, body=b""))
    result = await WebhookChannel(client=client, secret="k").send(
        message(ChannelName.webhook, http_receiver.url("/hook"))
    )
    assert (result.outcome, result.reason) == (Outcome.retryable, "HTTP 429")


async def test_timeout_is_retryable(http_receiver, client):
    http_receiver.script("/slow", Reply(delay=0.5))
    channel = WebhookChannel(client=client, secret="k", timeout=0.1)
    result = await channel.send(message(ChannelName.webhook, http_receiver.url("/slow")))
    assert result.outcome is Outcome.retryable and result.reason.startswith("timeout")


async def test_connection_refused_is_retryable(client):
    from .conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/hook"
    result = await WebhookChannel(client=client, secret="k").send(message(ChannelName.webhook, url))
    assert result.outcome is Outcome.retryable and result.reason.startswith("connection error")


async def test_unreadable_robot_reply_is_permanent_not_a_crash(http_receiver, client):
    http_receiver.script("/w", Reply(body=b"<html>gateway</html>"))
    result = await WeComRobotChannel(client=client).send(message(ChannelName.wecom, http_receiver.url("/w")))
    assert result.outcome is Outcome.permanent and "unreadable provider response" in result.reason


@pytest.mark.parametrize(
    ("channel_name", "address"),
    [(ChannelName.webhook, "hooks.example.com/x"), (ChannelName.sms, "12345"), (ChannelName.wecom, None)],
)
async def test_malformed_address_fails_permanently_without_a_request(http_receiver, client, channel_name, address):
    channels = {
        ChannelName.webhook: WebhookChannel(client=client, secret="k"),
        ChannelName.sms: SmsChannel(client=client, settings=sms_settings(http_receiver.url("/sms"))),
        ChannelName.wecom: WeComRobotChannel(client=client),
    }
    result = await channels[channel_name].send(message(channel_name, address))
    assert result.outcome is Outcome.permanent and result.reason
    assert http_receiver.requests == []


async def test_message_for_another_channel_is_refused(client):
    result = await WeComRobotChannel(client=client).send(message(ChannelName.dingtalk, "https://x.example/r"))
    assert result.outcome is Outcome.permanent and "reached wecom" in result.reason
