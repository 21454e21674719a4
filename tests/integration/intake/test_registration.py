"""Registration through HTTP: bilingual 422s naming the field, Idempotency-Key, batches, printouts, lookup."""

import pytest
import segno

from tests.integration.intake.conftest import Intake, walk_in

VALID_ID = "11010519491231002X"  # GB 11643's published example, check character X
VALID_CREDIT_CODE = "91350100M000100Y43"


def with_applicant(**applicant: object) -> dict:
    return walk_in(applicant={"kind": "person", "name": "李四", "phone": "13912345678", **applicant})


@pytest.mark.parametrize(
    ("body", "field", "zh_hint"),
    [
        (with_applicant(id_type="resident_id", id_number="110105194912310021"), "applicant.id_number", "校验位"),
        (walk_in(applicant={"kind": "enterprise", "name": "某某有限公司", "phone": "13912345678",
                            "credit_code": "91350100M000100Y44"}), "applicant.credit_code", "校验位"),
        (walk_in(description="   "), "description", "不能为空"),
        (walk_in(description="长" * 4001), "description", "4000"),
        (with_applicant(name="名" * 51), "applicant.name", "50"),
        (walk_in(channel="fax"), "channel", "取值无效"),
        (walk_in(complexity_tier="trivial"), "complexity_tier", "取值无效"),
        (walk_in(problem_kind="parking"), "problem_kind", "问题类型"),
        (walk_in(hall="XX"), "hall", "未配置"),
    ],
    ids=["id-check-digit", "credit-code", "empty-description", "oversized-description", "oversized-name",
         "wrong-channel", "wrong-tier", "unconfigured-kind", "unknown-hall"],
)
async def test_bad_registration_is_422_naming_the_field_in_chinese_and_english(
    intake: Intake, body: dict, field: str, zh_hint: str
) -> None:
    response = await intake.client.post("/cases", json=body)

    assert response.status_code == 422, response.text
    problem = next(p for p in response.json()["errors"] if p["field"] == field)
    assert zh_hint in problem["zh"] and problem["en"] and problem["en"] != problem["zh"]


async def test_valid_ids_and_credit_codes_register_and_stay_off_the_case_stream(intake: Intake) -> None:
    person = await intake.register(with_applicant(id_type="resident_id", id_number=VALID_ID.lower()))
    enterprise = await intake.register(walk_in(applicant={
        "kind": "enterprise", "name": "福田某某贸易有限公司", "phone": "0755-86123456",
        "credit_code": VALID_CREDIT_CODE, "contact_name": "赵六"}))

    assert person["applicant"]["id_number"] == "110***********002X"  # masked; reveal shows it whole
    assert enterprise["applicant"]["phone"] == "0755-****3456"
    assert enterprise["applicant"]["name"] == "福田某某贸易有限公司"  # public record
    assert enterprise["applicant"]["contact_name"] == "赵*"


async def test_the_same_idempotency_key_replays_the_first_registration(intake: Intake) -> None:
    body = walk_in(description="同一请求重试")
    first = await intake.client.post("/cases", json=body, headers={"Idempotency-Key": "retry-1"})
    second = await intake.client.post("/cases", json=body, headers={"Idempotency-Key": "retry-1"})
    different = await intake.client.post("/cases", json=walk_in(description="另一请求"),
                                         headers={"Idempotency-Key": "retry-1"})

    assert first.status_code == second.status_code == 201
    assert second.json()["case_number"] == first.json()["case_number"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert different.status_code == 422 and different.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_another_clerks_idempotency_key_never_replays_this_clerks_answer(intake: Intake) -> None:
    body = walk_in(description="两位窗口人员碰巧用了同一个键")
    mine = await intake.client.post("/cases", json=body, headers={"Idempotency-Key": "shared-key"})
    theirs = await intake.client.post("/cases", json=body, headers={
        "Idempotency-Key": "shared-key", **intake.auth("window_clerk", sub="clerk-ft-2", hall="FT")})

    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["case_number"] != mine.json()["case_number"]
    assert "Idempotent-Replayed" not in theirs.headers


async def test_a_clerk_registers_and_reads_cases_of_its_own_hall_only(intake: Intake) -> None:
    case = await intake.register(walk_in(description="本厅登记"))
    other_hall = intake.auth("window_clerk", hall="DEMO")

    refused = await intake.client.post("/cases", json=walk_in(description="替别的大厅登记"), headers=other_hall)
    assert refused.status_code == 403
    assert (await intake.client.get(f"/cases/{case['id']}", headers=other_hall)).status_code == 403
    assert (await intake.client.post(f"/cases/{case['id']}/actions", json={"action": "accept"},
                                     headers=other_hall)).status_code == 403
    assert (await intake.client.get(f"/cases/{case['id']}")).status_code == 200
    anonymous = await intake.client.get(f"/cases/{case['id']}", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_batch_of_fourteen_leases_is_one_case_with_items_tracked_one_by_one(intake: Intake) -> None:
    labels = [f"ZL-2026-{n:04d}" for n in range(1, 15)]
    case = await intake.register(walk_in(items=labels, complexity_tier="simple", problem_kind="urgent_deadline",
                                         applicant={"kind": "enterprise", "name": "某某物业有限公司",
                                                    "phone": "13912345678"}))
    assert case["green_channel"] is True  # the urgent kind implies it
    assert case["items"][2]["reference"] == f"{case['case_number']}/03"

    done = await intake.client.post(f"/cases/{case['id']}/items/3/moves", json={"to": "completed"})
    blocked_without_reason = await intake.client.post(f"/cases/{case['id']}/items/4/moves", json={"to": "blocked"})
    final = await intake.client.post(f"/cases/{case['id']}/items/3/moves", json={"to": "pending"})

    assert done.json()["item_progress"] == {"total": 14, "pending": 13, "blocked": 0, "completed": 1, "dropped": 0}
    assert blocked_without_reason.status_code == 422 and blocked_without_reason.json()["errors"][0]["field"] == "reason"
    assert final.status_code == 409


async def test_tracking_card_prints_the_number_window_and_contact(intake: Intake) -> None:
    case = await intake.register(walk_in(applicant={"kind": "person", "name": "<script>x</script>",
                                                    "phone": "13912345678"}))

    card = await intake.client.get(f"/cases/{case['id']}/tracking-card")

    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
    assert case["case_number"] in card.text and "0755-88880000" in card.text and "办不成事" in card.text
    assert "<script>x" not in card.text  # masked and escaped


async def test_printouts_carry_a_qr_code_to_the_citizens_status_page_and_print_on_a4_or_a_receipt(
        intake: Intake) -> None:
    case = await intake.register(walk_in())
    accepted = await intake.client.post(f"/cases/{case['id']}/actions", json={
        "action": "accept", "missing_items": [{"name": "银行同意函", "due_on": "2031-01-10"}]})
    assert accepted.status_code == 200, accepted.text
    status_url = f"http://127.0.0.1:8106/m/follow?case={case['case_number']}"
    # The QR code is segno's encoding of exactly that address, drawn inline.
    qr = segno.make_qr(status_url, error="m").svg_inline(border=2, omitsize=True)

    for printout in ("tracking-card", "one-time-notice"):
        a5 = await intake.client.get(f"/cases/{case['id']}/{printout}")
        receipt = await intake.client.get(f"/cases/{case['id']}/{printout}", params={"paper": "receipt"})
        a4 = await intake.client.get(f"/cases/{case['id']}/{printout}", params={"paper": "a4"})

        assert a5.status_code == receipt.status_code == a4.status_code == 200, a5.text
        for page in (a5, receipt, a4):
            assert f'data-url="{status_url}"' in page.text and qr in page.text
        assert "size: A5" in a5.text and "size: 80mm" in receipt.text and "size: A4" in a4.text
    wrong = await intake.client.get(f"/cases/{case['id']}/tracking-card", params={"paper": "letter"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "paper"


async def test_citizen_looks_up_status_with_the_phone_digits_and_guessing_is_limited(intake: Intake) -> None:
    case = await intake.register(walk_in())
    number = case["case_number"]

    found = await intake.client.post("/status-lookup", json={"case_number": number.lower(), "phone_last4": "5678"})
    assert found.status_code == 200, found.text
    assert found.json()["state_zh"] == "已登记" and found.json()["phone"] == "139****5678"
    assert "王芳" not in found.text
    wrong = [await intake.client.post("/status-lookup", json={"case_number": number, "phone_last4": f"{n:04d}"})
             for n in range(3)]
    assert [r.status_code for r in wrong] == [404, 404, 404]
    locked = await intake.client.post("/status-lookup", json={"case_number": number, "phone_last4": "5678"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


async def test_the_first_flat_body_shape_still_registers(intake: Intake) -> None:
    body = {key: value for key, value in walk_in(hall="DEMO").items() if key != "applicant"}
    body |= {"applicant_kind": "person", "applicant_name": "张三", "applicant_phone": "13812345678"}

    case = await intake.register(body, **intake.auth("window_clerk", hall="DEMO"))

    assert case["hall"] == "DEMO" and case["applicant"]["name"] == "张*"


async def test_the_registration_form_offers_the_halls_kinds_and_matters_from_its_district_pack(
        intake: Intake) -> None:
    options = await intake.client.get("/halls/FT/registration-options")

    assert options.status_code == 200, options.text
    body = options.json()
    assert (body["district"], body["hall"], body["hall_name_zh"]) == ("demo", "FT", "演示区政务服务中心")
    kinds = {k["code"]: k for k in body["problem_kinds"]}
    assert kinds["missing_materials"]["name_zh"] == "材料不清或不齐" and kinds["expedite"]["green_channel"]
    licence = next(m for m in body["matters"] if m["code"] == "business_licence")
    assert licence["name_zh"] == "企业设立登记（营业执照）" and licence["lead_department"] == "market"
    assert {"code": "market", "name_zh": "市场监督管理局"}.items() <= next(
        d for d in body["departments"] if d["code"] == "market").items()
    # Another hall's clerk is refused; an unknown hall is a problem naming the field.
    other_hall = intake.issuer.headers("window_clerk", hall="DEMO")
    assert (await intake.client.get("/halls/FT/registration-options", headers=other_hall)).status_code == 403
    unknown = await intake.client.get("/halls/XX/registration-options")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "hall"
