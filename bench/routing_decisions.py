"""Routing decisions per second in process, over a realistic mix of requests. Prints figures, asserts nothing.

Mix (per 100): 45 free text naming a matter, 25 with a matter picked by staff, 10 out of scope, 10 naming two
departments' matters (→ manual triage), 10 matching nothing. Also times similar-case suggestions.

Run: .venv/bin/python bench/routing_decisions.py [--decisions N]
"""

import argparse
import random
import time
from collections import Counter

from services.routing.domain.decision import RoutingRequest
from services.routing.domain.loader import load_districts
from services.routing.domain.router import Router
from services.routing.domain.similarity import ResolvedCase, SimilarCaseIndex

PREFIXES = ["您好，我想咨询一下", "我们公司", "本人", "家里老人", "上周在窗口", "网上申请了好几次"]
SUFFIXES = [
    "一直办不下来，材料不知道缺什么",
    "窗口说不归他们管",
    "急着用，能不能加快",
    "系统总是提示失败",
    "政策看不懂",
]
OUT_OF_SCOPE = ["小区楼下车位被占，乱停车没人管", "物业公司乱收物业费", "楼下广场舞噪音扰民", "老板拖欠工资三个月"]
NOTHING = ["我想问问这个事情怎么弄", "上次来过一次，还是不清楚", "请帮忙看看"]


def build_requests(district, n: int, rng: random.Random) -> list[RoutingRequest]:
    matters = district.catalogue.matters
    kinds = [k.code for k in district.policy.problem_kinds]
    requests = []
    for i in range(n):
        slot = i % 100
        matter = rng.choice(matters)
        kind = rng.choice(kinds)
        text = f"{rng.choice(PREFIXES)}{rng.choice(matter.keywords)}{rng.choice(SUFFIXES)}"
        code = None
        if slot < 25:
            code = matter.code
        elif slot < 35:
            text = rng.choice(OUT_OF_SCOPE)
        elif slot < 45:
            other = rng.choice(matters)
            text = f"{rng.choice(matter.keywords)}需要先办{rng.choice(other.keywords)}，{rng.choice(SUFFIXES)}"
        elif slot < 55:
            text = rng.choice(NOTHING)
        requests.append(RoutingRequest(district="demo", problem_kind=kind, description=text, matter_code=code))
    rng.shuffle(requests)
    return requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--resolved-cases", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(4)
    district = load_districts()["demo"]
    router = Router([district])
    requests = build_requests(district, args.decisions, rng)

    start = time.perf_counter()
    outcomes = Counter(router.decide(r).outcome.value for r in requests)
    elapsed = time.perf_counter() - start
    print(f"routing decisions: {len(requests):,} in {elapsed:.2f} s = {len(requests) / elapsed:,.0f} decisions/s")
    print("  outcomes: " + ", ".join(f"{k} {v / len(requests):.0%}" for k, v in sorted(outcomes.items())))

    index = SimilarCaseIndex()
    for i, r in enumerate(build_requests(district, args.resolved_cases, rng)):
        index.add(ResolvedCase(case_id=f"c{i}", text=r.description, lead=router.decide(r).lead or "gov_data"))
    queries = [r.description for r in requests[:1_000]]
    start = time.perf_counter()
    found = sum(index.suggest_lead(q) is not None for q in queries)
    elapsed = time.perf_counter() - start
    print(f"similar-case suggestions over {len(index):,} resolved cases: {len(queries) / elapsed:,.0f} queries/s "
          f"({found / len(queries):.0%} with a suggestion)")


if __name__ == "__main__":
    main()
