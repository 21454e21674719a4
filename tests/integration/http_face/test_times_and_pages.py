"""Answers give times in ISO 8601 with their offset, and lists in the one page shape."""

import time
from datetime import datetime

import httpx

from shared.dev.stack import Stack

WALK_IN = {
    "hall": "FT",
    "channel": "walk_in",
    "problem_kind": "missing_materials",
    "description": "租赁备案缺银行同意函",
    "forward": False,
    "applicant": {"kind": "person", "name": "王芳", "phone": "13912345678"},
}


def aware(value: str) -> bool:
    return datetime.fromisoformat(value).tzinfo is not None


def test_a_read_back_case_and_its_timeline_carry_their_offsets(stack: Stack, auth_headers: dict[str, str]) -> None:
    created = httpx.post(f"{stack.url('intake')}/cases", json=WALK_IN, headers=auth_headers)
    assert created.status_code == 201, created.text
    case = httpx.get(f"{stack.url('intake')}/cases/{created.json()['id']}", headers=auth_headers).json()
    assert aware(case["created_at"]) and aware(case["updated_at"])
    assert all(aware(t["at"]) for t in case["transitions"])

    deadline = time.monotonic() + 30
    page: dict = {"items": []}
    while not page["items"] and time.monotonic() < deadline:
        page = httpx.get(f"{stack.url('audit')}/cases/{case['id']}/timeline", headers=auth_headers).json()
        time.sleep(0.2)
    assert page["items"], "the audit never logged the registration"
    assert all(aware(entry["occurred_at"]) for entry in page["items"])


def test_a_list_is_a_page_that_says_where_the_next_one_starts(stack: Stack, auth_headers: dict[str, str]) -> None:
    pack = f"{stack.url('routing')}/districts/demo/pack"
    for _ in range(2):  # two published versions (the same content again) to page through
        same = httpx.get(pack, headers=auth_headers).json()["pack"]
        assert httpx.put(pack, json=same, headers=auth_headers).status_code == 200
    versions = f"{pack}/versions"
    first = httpx.get(versions, params={"limit": 1}, headers=auth_headers).json()
    assert set(first) == {"items", "offset", "limit", "next_offset"} and len(first["items"]) == 1
    everything = httpx.get(versions, headers=auth_headers).json()
    assert first["next_offset"] == (1 if len(everything["items"]) > 1 else None)
    assert everything["next_offset"] is None
