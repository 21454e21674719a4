"""References between a pack's parts, checked after its fields: each problem names its path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from .schema import DistrictPack

DISPATCH_EVENT = "workorder.dispatched"


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def pack_problems(pack: DistrictPack) -> list[str]:
    """Every broken reference of ``pack`` as ``path: problem`` lines; empty when the pack is whole."""
    return list(_problems(pack))


def _problems(pack: DistrictPack) -> Iterator[str]:
    for path, items in (("halls", pack.halls), ("problem_kinds", pack.problem_kinds),
                        ("departments", pack.departments), ("matters", pack.matters),
                        ("routing.referral_targets", pack.routing.referral_targets)):
        codes = [item.code for item in items]
        for code in _duplicates(codes):
            yield f"{path}[{codes.index(code, codes.index(code) + 1)}].code: duplicate code {code!r}"
    for values, path in ((pack.channels, "channels"), (pack.complexity_tiers, "complexity_tiers")):
        for value in _duplicates(values):
            yield f"{path}: {value!r} listed twice"

    departments = {d.code for d in pack.departments}
    tiers = {t.value for t in pack.complexity_tiers}
    for i, matter in enumerate(pack.matters):
        where = f"matters[{i}]"
        if matter.lead_department not in departments:
            yield f'{where}.lead_department: unknown department "{matter.lead_department}"'
        for j, code in enumerate(matter.assisting_departments):
            if code not in departments:
                yield f'{where}.assisting_departments[{j}]: unknown department "{code}"'
            elif code == matter.lead_department:
                yield f'{where}.assisting_departments[{j}]: "{code}" is already the lead department'
        if matter.tier not in tiers:
            yield f'{where}.tier: "{matter.tier}" is not one of complexity_tiers {sorted(tiers)}'

    for i, kind in enumerate(pack.problem_kinds):
        where = f"problem_kinds[{i}]"
        if kind.routing is None and not kind.manual_triage:
            yield f'{where}.routing: kind "{kind.code}" has no routing rule and is not marked manual_triage'
        if kind.routing is not None:
            if kind.routing.tier_floor not in tiers:
                yield f'{where}.routing.tier_floor: "{kind.routing.tier_floor}" is not one of complexity_tiers'
            for j, code in enumerate(kind.routing.add_assisting):
                if code not in departments:
                    yield f'{where}.routing.add_assisting[{j}]: unknown department "{code}"'
        if kind.green_channel and not pack.green_channel.enabled:
            yield f"{where}.green_channel: the district's green channel is not enabled"
    green_tier = pack.green_channel.tier
    if green_tier is not None and green_tier not in pack.sla.tiers:
        yield f'green_channel.tier: "{green_tier}" is not one of the sla tiers {sorted(pack.sla.tiers)}'

    coordinators = {d.level for d in pack.departments if d.role == "coordinator"}
    for level in pack.routing.escalation_levels:
        if level not in coordinators:
            yield f'routing.escalation_levels: no coordinator department at level "{level}"'
    if (
        any(k.routing and k.routing.lead == "coordinator" for k in pack.problem_kinds)
        and "district" not in coordinators
    ):
        yield 'problem_kinds: a kind led by the coordinator needs a coordinator department at level "district"'
    targets = {t.code for t in pack.routing.referral_targets}
    for i, rule in enumerate(pack.routing.out_of_scope):
        for j, code in enumerate(rule.referral):
            if code not in targets:
                yield f'routing.out_of_scope[{i}].referral[{j}]: unknown referral target "{code}"'

    sla_tiers = set(pack.sla.tiers)
    # Out-of-scope referrals are timed as simple (routing); intake defaults to general when it is used.
    for tier in sorted({*tiers, "simple"} - sla_tiers):
        yield f'sla.tiers: no tier "{tier}" (intake and routing use it)'
    names = [w.name for w in pack.sla.warnings]
    for name in _duplicates(names):
        yield f'sla.warnings: warning "{name}" defined twice'

    events = [r.event for r in pack.notify.rules]
    for event in _duplicates(events):
        yield f'notify.rules: event "{event}" has two rules; merge them'
    dispatch = next((r for r in pack.notify.rules if r.event == DISPATCH_EVENT), None)
    if dispatch is None or not any(r.audience == "lead_department" for r in dispatch.notify):
        yield f'notify.rules: no rule tells the lead department of "{DISPATCH_EVENT}"'
    yield from _notify_problems(pack)


def _notify_problems(pack: DistrictPack) -> Iterator[str]:
    for i, rule in enumerate(pack.notify.rules):
        for j, recipient in enumerate(rule.notify):
            where = f"notify.rules[{i}].notify[{j}]"
            if recipient.audience == "hotline":
                if recipient.channels != ("hotline_12345",) or recipient.hotline_status is None:
                    yield f"{where}: the hotline audience takes channel hotline_12345 and a hotline_status"
                continue
            if recipient.hotline_status is not None:
                yield f"{where}.hotline_status: belongs to the hotline audience only"
            allowed = {"sms", "email", "file"} if recipient.audience == "citizen" else {
                "sms", "email", "webhook", "wecom", "dingtalk", "file"}
            for k, channel in enumerate(recipient.channels):
                if channel not in allowed:
                    yield f'{where}.channels[{k}]: "{channel}" cannot reach audience "{recipient.audience}"'


def packs_problems(packs: Iterable[DistrictPack]) -> list[str]:
    """Problems across packs: a district code or a hall code (case-number prefix) used twice."""
    packs = list(packs)
    problems = [f"{code}: district code used by two packs" for code in _duplicates(p.code for p in packs)]
    owners: dict[str, str] = {}
    for pack in packs:
        for i, hall in enumerate(pack.halls):
            if hall.code in owners and owners[hall.code] != pack.code:
                problems.append(f'{pack.code}: halls[{i}].code: "{hall.code}" is already a hall of {owners[hall.code]}')
            owners.setdefault(hall.code, pack.code)
    return problems
