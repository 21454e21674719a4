"""Helpers for end-to-end runs: post many cases (as a window clerk of hall FT), wait until audit holds every
case's whole trail (read as an auditor); the tokens come from the suite's issuer (tests/issuer.py)."""

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.issuer import TokenIssuer

# The walking path: every case shows at least these (the services add more, e.g. the case-reply deadline).
TRAIL = [
    "case.registered",
    "case.accepted",
    "case.forwarded",
    "workorder.dispatched",
    "sla.deadline_armed",
    "notify.delivered",
]


def case_body(number: int) -> dict:
    return {
        "hall": "FT",
        "channel": "walk_in",
        "problem_kind": "missing_materials",
        "matter_code": "lease_filing",
        "description": f"租赁备案缺少银行同意函（第{number}件），孩子入学急需租赁凭证",
        "applicant": {"kind": "person", "name": "张三", "phone": "13812345678"},
    }


def clerk_token(issuer: TokenIssuer) -> str:
    return issuer.token("window_clerk", sub="clerk-ft", name="窗口 王敏", hall="FT")


def post_case(base_url: str | list[str], number: int, *, token: str, deadline_s: float = 120) -> str:
    """POST one case, retrying through a restart of intake with the same Idempotency-Key; given several
    intakes on one database, a retry goes to the next (the key is the database's, whichever answers)."""
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key, "Authorization": f"Bearer {token}"}
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    stop = time.monotonic() + deadline_s
    while True:
        try:
            response = httpx.post(f"{urls[0]}/cases", json=case_body(number), headers=headers, timeout=10)
            if response.status_code in (200, 201):
                return response.json()["id"]
            if response.status_code < 500:
                raise AssertionError(response.text)
        except httpx.TransportError:
            urls.append(urls.pop(0))
        if time.monotonic() > stop:
            raise TimeoutError(f"case {number} could not be posted")
        time.sleep(0.2)


def post_cases(base_url: str, count: int, *, issuer: TokenIssuer, workers: int = 8,
               on_posted: Callable[[int], None] = lambda n: None) -> list[str]:
    token = clerk_token(issuer)
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(post_case, base_url, n, token=token) for n in range(count)]
        ids = []
        for done, future in enumerate(futures, 1):
            ids.append(future.result())
            on_posted(done)
    return ids


def incomplete_trails(audit_url: str, case_ids: list[str], *, issuer: TokenIssuer,
                      timeout_s: float) -> dict[str, list[str]]:
    """Poll audit until every case shows the whole walking path; return the cases still short, with their types."""
    pending = {case_id: [] for case_id in case_ids}
    stop = time.monotonic() + timeout_s
    with httpx.Client(timeout=10, headers=issuer.headers("auditor", lifetime_s=4 * 3600)) as client:
        while pending and time.monotonic() < stop:
            for case_id in list(pending):
                try:
                    types = [
                        entry["type"] for entry in client.get(f"{audit_url}/cases/{case_id}/timeline").json()["items"]
                    ]
                except httpx.TransportError:
                    break  # audit is restarting
                if set(TRAIL) <= set(types):
                    del pending[case_id]
                else:
                    pending[case_id] = types
            else:
                if pending:
                    time.sleep(0.5)
    return pending
