"""Concurrent registrations share a group commit: each still gets its own number, a durable commit
before its response, its own error, and Idempotency-Key replays."""

import asyncio
import uuid

from tests.integration.intake.conftest import Intake, walk_in


async def post_all(intake: Intake, requests: list[tuple[dict, dict]]) -> list:
    return await asyncio.gather(*(intake.client.post("/cases", json=body, headers=headers)
                                  for body, headers in requests))


async def test_concurrent_registrations_get_their_own_numbers_committed_before_the_response(intake: Intake) -> None:
    responses = await post_all(intake, [(walk_in(description=f"并发登记 {n}", forward=n % 2 == 0), {})
                                        for n in range(40)])

    assert [r.status_code for r in responses] == [201] * 40
    cases = [r.json() for r in responses]
    numbers = sorted(case["case_number"] for case in cases)
    sequences = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert sequences == list(range(sequences[0], sequences[0] + 40))  # distinct, no gaps
    assert {uuid.UUID(case["id"]).version for case in cases} == {7}  # time-ordered: every index on it grows at its end
    for case in cases:  # read back on another connection: committed, and exactly as answered
        assert await intake.case(case["id"]) == case


async def test_a_forwarded_batch_with_attachments_is_answered_exactly_as_it_reads_back(intake: Intake) -> None:
    attachment = {"file_name": "银行同意函.pdf", "content_type": "application/pdf", "size_bytes": 1024}
    responses = await post_all(intake, [(walk_in(forward=True, items=["一号楼", "二号楼"],
                                                 attachments=[attachment, {**attachment, "file_name": "租约.pdf"}]), {})
                                        for _ in range(3)])

    for response in responses:
        case = response.json()
        assert [t["action"] for t in case["transitions"]] == ["register", "accept", "dispatch"]
        assert all(isinstance(row["id"], int) for row in case["transitions"] + case["attachments"])
        assert await intake.case(case["id"]) == case


async def test_concurrent_retries_with_one_idempotency_key_register_one_case(intake: Intake) -> None:
    body = walk_in(description="同一键并发重试")
    before = (await intake.counts()).get("registered", 0)

    responses = await post_all(intake, [(body, {"Idempotency-Key": "concurrent-retry"})] * 8)

    assert [r.status_code for r in responses] == [201] * 8
    assert len({r.json()["case_number"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert (await intake.counts())["registered"] == before + 1
    later = await intake.client.post("/cases", json=body, headers={"Idempotency-Key": "concurrent-retry"})
    assert later.json() == responses[0].json() and later.headers["Idempotent-Replayed"] == "true"


async def test_a_reused_key_fails_alone_while_the_registrations_beside_it_succeed(intake: Intake) -> None:
    await intake.register(walk_in(description="先用此键"), **{"Idempotency-Key": "reused-key"})
    requests = [(walk_in(description=f"旁边的登记 {n}"), {}) for n in range(10)]
    requests.insert(5, (walk_in(description="另一请求用同一键"), {"Idempotency-Key": "reused-key"}))
    requests.insert(7, (walk_in(description="同批的两个请求用同一个新键"), {"Idempotency-Key": "fresh-key"}))
    requests.insert(8, (walk_in(description="同批另一请求"), {"Idempotency-Key": "fresh-key"}))

    responses = await post_all(intake, requests)

    # Which of the two fresh-key requests arrived first is the network's choice: one wins, one is refused.
    fresh = sorted([responses[7], responses[8]], key=lambda r: r.status_code)
    assert [r.status_code for r in fresh] == [201, 422]
    refused = [responses[5], fresh[1]]
    assert responses[5].status_code == 422
    assert all(r.json()["errors"][0]["field"] == "Idempotency-Key" for r in refused)
    accepted = [r for r in responses if r not in refused]
    assert [r.status_code for r in accepted] == [201] * 11
    for response in accepted:
        assert (await intake.case(response.json()["id"]))["case_number"] == response.json()["case_number"]
