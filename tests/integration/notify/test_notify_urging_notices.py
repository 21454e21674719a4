"""An urging notice (催办) sla sends reaches the urged department on its own channels, by the rule every shipped
pack carries: here Shenzhen Shahe's, its market department's robot, mailbox and webhook pointed at local
receivers."""

import json
from email import message_from_bytes, policy
from pathlib import Path

import yaml

from shared.events import case, sla, workorder
from shared.topics import CASE_EVENTS, SLA_EVENTS
from services.notify.app import build_runtime

from .conftest import CaseScript, settled
from .test_notify_cancelled_work_orders import summary_learned


def point_market_at(packs: Path, url) -> None:
    path = packs / "shenzhen-shahe" / "catalogue.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    market = next(d for d in catalogue["departments"] if d["code"] == "market")
    market["contact"] = {**market["contact"], "wecom": url("/wecom/shahe-market"),
                         "webhook": url("/webhook/shahe-market")}
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")


async def test_an_urging_notice_reaches_the_urged_department_on_its_channels(
    notify_settings, start_runtime, producer, http_receiver, smtp_server, tmp_path
):
    point_market_at(tmp_path / "packs", http_receiver.url)
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer, district="shenzhen-shahe", hall="SHH")
    number = f"SHH-{life.case_id[-6:]}"
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="SHH", channel="walk_in", problem_kind="missing_materials",
        description="营业执照变更材料不齐", applicant_kind="person", applicant_masked="王*"))
    await summary_learned(runtime, life.case_id)
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id="wo-1", case_number=number, department="market", role="lead", tier="general",
        reason="rule"))
    await life.publish(SLA_EVENTS, sla.UrgingNoticeSent(
        supervision_id="sv-1", subject="work_order", subject_id="wo-1", department="market",
        note="请今日内签收并反馈进度"), "sla")

    # dispatched and urged: the market department's robot, mailbox and webhook each
    rows = await settled(runtime, life.case_id, count=6, ignore=frozenset({"sms"}))

    assert [(r.channel, r.last_error) for r in rows if r.state != "delivered"] == []
    urged = [r for r in rows if r.event_type == "sla.urging_notice_sent"]
    assert sorted(r.channel for r in urged) == ["email", "webhook", "wecom"]
    hooks = [json.loads(r.body) for r in http_receiver.requests if r.path.startswith("/webhook/shahe-market")]
    assert any("请今日内签收并反馈进度" in json.dumps(hook, ensure_ascii=False) for hook in hooks)
    mails = [message_from_bytes(content, policy=policy.default) for _, content in smtp_server[1].envelopes]
    urging = [m for m in mails if "催办" in m["Subject"]]
    assert [m["To"] for m in urging] == ["market@shahe.bancheng.example"]
    assert "请今日内签收并反馈进度" in urging[0].get_body(("plain",)).get_content()
