"""DOMAIN.md's stories walked through intake's HTTP API, over the real broker where events matter."""

from datetime import date, timedelta

from shared.events import case as case_events
from shared.events.workorder import CaseReplyComposed, WorkOrderDispatched, WorkOrderReplied
from shared.personal_data import get_keyring
from shared.topics import CASE_CONTACTS, CASE_EVENTS, WORKORDER_EVENTS
from tests.integration.intake.conftest import CLERK, Intake, walk_in


async def test_same_day_lease_certificate_tracks_the_missing_bank_letter_until_supplied(intake: Intake) -> None:
    case = await intake.register(walk_in(description="孩子入学急需当天开具租赁凭证,银行同意函来不及"))
    due = (date.today() + timedelta(days=5)).isoformat()
    accepted = await intake.act(case["id"], "accept", missing_items=[
        {"name": "银行同意函", "due_on": due, "note": "原件"}])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["missing_items"][0]["state"] == "pending"
    notice = await intake.client.get(f"/cases/{case['id']}/one-time-notice")
    assert notice.status_code == 200 and "银行同意函" in notice.text and "待补正" in notice.text
    resolved = await intake.act(case["id"], "resolve_on_spot", reason="当天开具租赁凭证,银行同意函后补")
    assert resolved.json()["state"] == "resolved_on_spot"

    supplied = await intake.client.post(f"/cases/{case['id']}/missing-items/1/supply", json={"note": "原件已核验"})

    assert supplied.status_code == 200, supplied.text
    item = supplied.json()["missing_items"][0]
    assert item["state"] == "supplied" and item["resolved_by"] == f"person:{CLERK}"
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.missing_item_supplied"})
    accepted_event = next(e for e in events if e.type == "case.accepted")
    assert accepted_event.data["missing_items"] == [{"item_no": 1, "name": "银行同意函", "due_on": due}]
    again = await intake.client.post(f"/cases/{case['id']}/missing-items/1/supply", json={})
    assert again.status_code == 409
    assert (await intake.act(case["id"], "record_callback", satisfaction="satisfied")).status_code == 200
    assert (await intake.act(case["id"], "review")).status_code == 200
    assert (await intake.act(case["id"], "archive")).json()["state"] == "archived"


async def test_parking_problem_out_of_scope_is_explained_referred_and_counted(intake: Intake) -> None:
    before = (await intake.counts()).get("referred_out_of_scope", 0)
    case = await intake.register(
        walk_in(problem_kind="no_responsible_department", description="小区停车位被占用,物业不管")
    )

    referred = await intake.act(case["id"], "refer_out_of_scope", referral_target="小区物业服务中心及街道城管",
                                reason="住宅小区停车属物业管理事项,已当面解释并转交")

    assert referred.status_code == 200, referred.text
    assert referred.json()["allowed_actions"] == ["archive"]
    counts = (await intake.counts())
    assert counts["referred_out_of_scope"] == before + 1
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.referred_out_of_scope"})
    referral = next(e for e in events if e.type == "case.referred_out_of_scope")
    assert referral.data["referral_target"] == "小区物业服务中心及街道城管"
    assert referral.actor == f"person:{CLERK}" and "窗口 王敏" in referral.actor_detail


async def test_restaurant_licence_blocked_by_previous_tenant_is_replied_after_two_departments(intake: Intake) -> None:
    case = await intake.register(walk_in(
        problem_kind="multi_department", forward=True, matter_code="food_business_licence",
        description="餐馆办食品经营许可证,前租户营业执照未注销,地址被占用",
        suggested_departments=["market", "housing"],
    ))
    assert case["state"] == "dispatched"
    for work_order, department, role in (("wo-1", "market", "lead"), ("wo-2", "housing", "assisting")):
        await intake.publish(
            WorkOrderDispatched(work_order_id=f"{case['id']}-{work_order}", case_number=case["case_number"],
                                department=department, role=role, tier="general", reason="rule"),
            topic=WORKORDER_EVENTS, case_id=case["id"], source="routing", actor="service:routing")
        await intake.publish(
            WorkOrderReplied(work_order_id=f"{case['id']}-{work_order}", case_number=case["case_number"],
                             department=department, reply="已联系前租户办理注销"),
            topic=WORKORDER_EVENTS, case_id=case["id"], source="routing", actor=f"department:{department}")
    await intake.publish(
        CaseReplyComposed(case_number=case["case_number"], lead_department="market",
                          reply="前租户已注销,可申请食品经营许可"),
        topic=WORKORDER_EVENTS, case_id=case["id"], source="routing", actor="service:routing")

    replied = await intake.wait_for_state(case["id"], "replied")

    assert replied["reply"] == "前租户已注销,可申请食品经营许可"
    assert {(w["department"], w["state"]) for w in replied["work_orders"]} == {
        ("market", "replied"),
        ("housing", "replied"),
    }
    assert replied["transitions"][-1]["actor"] == "department:market"
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.replied"})
    assert [e.type for e in events] == ["case.registered", "case.accepted", "case.forwarded", "case.replied"]
    assert events[2].data["suggested_departments"] == ["market", "housing"]


async def test_home_business_case_pauses_for_the_public_notice_and_resumes(intake: Intake) -> None:
    case = await intake.register(walk_in(
        problem_kind="rule_misfit", description="住宅地址办营业执照,房主已故,需经联社出具住改商证明"))
    await intake.act(case["id"], "accept")
    paused = await intake.act(case["id"], "pause", reason="经联社公示期7天",
                              expected_resume_on=(date.today() + timedelta(days=7)).isoformat())
    assert paused.json()["state"] == "paused"

    refused = await intake.act(case["id"], "dispatch")

    assert refused.status_code == 409
    detail = refused.json()
    assert detail["allowed_actions"] == ["resume", "withdraw"] and "恢复" in detail["zh"] and "resume" in detail["en"]
    resumed = await intake.act(case["id"], "resume", reason="公示期满无异议")
    assert resumed.json()["state"] == "accepted"
    assert (await intake.act(case["id"], "dispatch")).json()["state"] == "dispatched"
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.resumed", "case.forwarded"})
    pause = next(e for e in events if e.type == "case.paused")
    assert pause.data["reason"] == "经联社公示期7天" and pause.data["expected_resume_on"]


async def test_dissatisfied_callback_reopens_the_case_for_redo(intake: Intake) -> None:
    case = await intake.register(walk_in(forward=True, problem_kind="policy_unclear", description="租房补贴政策不清楚"))
    await intake.act(case["id"], "record_reply", reason="不符合租房补贴条件")

    callback = await intake.act(
        case["id"], "record_callback", satisfaction="dissatisfied", reason="未说明其他可申请的政策"
    )

    assert callback.json()["state"] == "reopened"
    assert set(callback.json()["allowed_actions"]) == {"dispatch", "resolve_on_spot", "pause", "withdraw"}
    redo = await intake.act(case["id"], "dispatch", reason="重办:协调住建、医保、民政")
    assert redo.json()["state"] == "dispatched"
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.reopened"})
    types = [e.type for e in events]
    assert types.index("case.callback_recorded") < types.index("case.reopened")
    contacts = await intake.events(CASE_CONTACTS, case["id"], until={"case.contact_recorded"})
    sealed = case_events.CaseContactRecorded.model_validate(contacts[0].data)
    assert "13912345678" not in str(contacts[0].data)  # only the transport key opens it
    assert case_events.open_contact(get_keyring(environment="test"), sealed, case_id=case["id"]).phone == "13912345678"
    assert all("13912345678" not in str(e.data) and "王芳" not in str(e.data) for e in events)


async def test_a_consultation_is_registered_as_one_where_the_pack_says_so(intake: Intake) -> None:
    """The demo pack counts `policy_unclear` apart (咨询, like Chengzhong's consultations); other kinds are cases."""
    asked = await intake.register(walk_in(problem_kind="policy_unclear", description="咨询灵活就业社保怎么缴"))
    blocked = await intake.register(walk_in(problem_kind="no_responsible_department", description="证明开不出来"))

    registered = {}
    for case in (asked, blocked):
        events = await intake.events(CASE_EVENTS, case["id"], until={"case.registered"})
        registered[case["id"]] = next(e for e in events if e.type == "case.registered").data["consultation"]
    assert registered == {asked["id"]: True, blocked["id"]: False}
