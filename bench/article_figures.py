"""The articles' figures from a seeded run: cases like the articles' go through the real services (intake,
routing, sla and audit as processes on the dev broker), and audit's statistics are printed beside what the
articles report (../shared/seeds):

- Shenzhen Shahe: 96 problems received, 96 resolved;
- Zhongshan, Dongqu: 16 = 7 out of scope (explained and referred) + 8 resolved + 1 in coordination;
- Zhongshan, city-wide: 24 = 22 closed + 2 being handled, 100 % satisfied;
- Liuzhou Chengzhong: 44 = 30 consultations (咨询) + 14 cases (办件).

Each case is registered at a hall of its district by a window clerk of that hall and moved as staff would
(`POST /cases/{id}/actions`): resolved on the spot with a satisfied callback, explained and referred out of
scope, or forwarded (登记转发) to routing and left with the department. Audit's `GET /statistics` then counts
them (by hall, and by problem kind for Chengzhong: the pack says which kinds are consultations). Prints a
table per article, each line the article's figure and audit's; exits 1 when one differs.

    .venv/bin/python bench/article_figures.py            # about a minute on the development machine
    .venv/bin/python bench/article_figures.py --keep     # keeps the databases and logs, prints where
"""

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.dev.stack import Stack
from shared.districts import DistrictPack, load_packs
from tests.issuer import TokenIssuer

SERVICES = ("intake", "routing", "sla", "audit")  # notify is not needed for the counts
PACKS = load_packs()


@dataclass(frozen=True)
class Batch:
    """`count` cases of one kind at one hall, ending as `outcome`."""

    district: str
    hall: str
    count: int
    outcome: str  # resolved | out_of_scope | forwarded
    consultation: bool = False


SEEDS = [
    Batch("shenzhen-shahe", "SHH", 96, "resolved"),
    Batch("zhongshan", "ZSDQ", 7, "out_of_scope"),
    Batch("zhongshan", "ZSDQ", 8, "resolved"),
    Batch("zhongshan", "ZSDQ", 1, "forwarded"),
    Batch("zhongshan", "ZSSX", 7, "resolved"),
    Batch("zhongshan", "ZSSX", 1, "forwarded"),
    Batch("liuzhou-chengzhong", "CZQ", 30, "resolved", consultation=True),
    Batch("liuzhou-chengzhong", "CZQ", 14, "resolved"),
]


def kind_for(pack: DistrictPack, *, consultation: bool) -> str:
    """A kind routing serves without manual triage (or a consultation kind, when asked)."""
    return next(k.code for k in pack.problem_kinds
                if k.consultation == consultation and not k.manual_triage and k.routing is not None)


class Seeder:
    def __init__(self, stack: Stack, issuer: TokenIssuer) -> None:
        self.stack, self.issuer = stack, issuer
        self.client = httpx.Client(base_url=stack.url("intake"), timeout=30)
        self.sequence = 0

    def act(self, case_id: str, headers: dict[str, str], action: str, **fields: object) -> None:
        response = self.client.post(f"/cases/{case_id}/actions", json={"action": action, **fields}, headers=headers)
        response.raise_for_status()

    def seed(self, batch: Batch) -> list[str]:
        pack = PACKS[batch.district]
        clerk = self.issuer.headers("window_clerk", district=batch.district, hall=batch.hall)
        kind = kind_for(pack, consultation=batch.consultation)
        ids = []
        for _ in range(batch.count):
            self.sequence += 1
            body = {"hall": batch.hall, "channel": "walk_in", "problem_kind": kind,
                    "forward": batch.outcome == "forwarded", "description": "企业开办多次被退回，窗口一跟到底协调办理",
                    "applicant": {"kind": "person", "name": "市民", "phone": f"139{self.sequence:08d}"}}
            response = self.client.post("/cases", json=body, headers=clerk)
            response.raise_for_status()
            case_id = response.json()["id"]
            if batch.outcome == "out_of_scope":
                self.act(case_id, clerk, "refer_out_of_scope", reason="不属于政务服务范围，已解释并告知办理途径",
                         referral_target="市民服务热线")
            elif batch.outcome == "resolved":
                self.act(case_id, clerk, "accept")
                self.act(case_id, clerk, "resolve_on_spot", reason="窗口协调相关部门当场办结")
                self.act(case_id, clerk, "record_callback", satisfaction="satisfied", reason="回访满意")
            ids.append(case_id)
        return ids


def statistics(stack: Stack, issuer: TokenIssuer, district: str, **params: str) -> list[dict]:
    auditor = issuer.headers("auditor", district=district)
    response = httpx.get(f"{stack.url('audit')}/statistics", params={"district": district, **params},
                         headers=auditor, timeout=30)
    response.raise_for_status()
    return response.json()["items"]


def wait_until_audited(stack: Stack, issuer: TokenIssuer, timeout_s: float = 180) -> None:
    """Until audit holds every seeded case as it ended: received, closed, and rated as seeded."""
    expected: dict[str, tuple[int, int, int]] = {}
    for batch in SEEDS:
        received, closed, rated = expected.get(batch.district, (0, 0, 0))
        expected[batch.district] = (received + batch.count,
                                    closed + (batch.count if batch.outcome != "forwarded" else 0),
                                    rated + (batch.count if batch.outcome == "resolved" else 0))
    deadline = time.monotonic() + timeout_s
    while True:
        seen = {}
        for district in expected:
            rows = statistics(stack, issuer, district)
            seen[district] = (rows[0]["received"], rows[0]["closed"], rows[0]["rated"]) if rows else (0, 0, 0)
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"audit holds (received, closed, rated) {seen}, not {expected}, after {timeout_s:.0f} s")
        time.sleep(1)


def report(stack: Stack, issuer: TokenIssuer) -> bool:
    """Prints each article's figures beside audit's; whether all agree."""
    lines: list[tuple[str, str, int, int]] = []
    shahe = statistics(stack, issuer, "shenzhen-shahe")[0]
    lines += [("Shahe", "received", 96, shahe["received"]), ("Shahe", "resolved", 96, shahe["resolved"])]
    halls = {row["value"]: row for row in statistics(stack, issuer, "zhongshan", by="hall")}
    dongqu = halls["ZSDQ"]
    lines += [("Zhongshan Dongqu", "received", 16, dongqu["received"]),
              ("Zhongshan Dongqu", "out of scope", 7, dongqu["out_of_scope"]),
              ("Zhongshan Dongqu", "resolved", 8, dongqu["resolved"]),
              ("Zhongshan Dongqu", "in coordination (in progress)", 1, dongqu["in_progress"])]
    city = statistics(stack, issuer, "zhongshan")[0]
    lines += [("Zhongshan city", "received", 24, city["received"]), ("Zhongshan city", "closed", 22, city["closed"]),
              ("Zhongshan city", "being handled", 2, city["in_progress"]),
              ("Zhongshan city", "satisfied %", 100, round(city["satisfaction_rate"]["percent"] or 0))]
    consultation_kinds = PACKS["liuzhou-chengzhong"].consultation_kinds()
    kinds = statistics(stack, issuer, "liuzhou-chengzhong", by="kind")
    consultations = sum(row["received"] for row in kinds if row["value"] in consultation_kinds)
    cases = sum(row["received"] for row in kinds if row["value"] not in consultation_kinds)
    lines += [("Chengzhong", "received", 44, consultations + cases), ("Chengzhong", "consultations", 30, consultations),
              ("Chengzhong", "cases", 14, cases)]
    width = max(len(f"{place}: {what}") for place, what, _, _ in lines)
    print(f"{'figure'.ljust(width)}  article  audit")
    for place, what, article, audited in lines:
        mark = "" if article == audited else "  <-- differs"
        print(f"{f'{place}: {what}'.ljust(width)}  {article:>7}  {audited:>5}{mark}")
    return all(article == audited for _, _, article, audited in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the run's databases and logs")
    args = parser.parse_args()
    issuer = TokenIssuer().start()
    directory = tempfile.mkdtemp(prefix="bancheng-articles-")
    try:
        stack = Stack(var_dir=Path(directory), issuer=issuer.url).start(SERVICES)
        try:
            seeder = Seeder(stack, issuer)
            for batch in SEEDS:
                seeder.seed(batch)
            wait_until_audited(stack, issuer)
            agree = report(stack, issuer)
        finally:
            stack.stop()
    finally:
        issuer.stop()
        if args.keep:
            print(f"databases and logs in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    raise SystemExit(0 if agree else 1)


if __name__ == "__main__":
    main()
