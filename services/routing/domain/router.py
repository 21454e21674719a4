"""The rule engine: matter, problem kind, Chinese text and district → lead and assisting departments."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from .catalogue import Catalogue, Department, Level, Matter, Tier
from .decision import Candidate, Outcome, Reason, RoutingDecision, RoutingRequest
from .errors import NotFound
from .loader import District
from .policy import LeadChoice, OutOfScopeRule, ProblemKind, RoutingPolicy
from .text import normalise

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _MatterKeywords:
    matter: Matter
    keywords: tuple[str, ...]  # normalised, longest first so contained shorter words are not counted twice


class _CompiledDistrict:
    """A district's catalogue and policy with every keyword normalised once, for fast matching."""

    def __init__(self, district: District) -> None:
        self.catalogue: Catalogue = district.catalogue
        self.policy: RoutingPolicy = district.policy
        self.matters = {m.code: m for m in self.catalogue.matters}
        self.departments = {d.code: d for d in self.catalogue.departments}
        self.kinds = {k.code: k for k in self.policy.problem_kinds}
        self.targets = {t.code: t for t in self.policy.referral_targets}
        self.matter_keywords = tuple(
            _MatterKeywords(m, tuple(sorted({normalise(k) for k in m.keywords}, key=len, reverse=True)))
            for m in self.catalogue.matters
        )
        self.aliases = tuple((d.code, tuple(normalise(a) for a in d.aliases)) for d in self.catalogue.departments)
        self.out_of_scope = tuple(
            (rule, tuple(tuple(normalise(w) for w in group) for group in rule.all_of),
             tuple(normalise(w) for w in rule.unless_any))
            for rule in self.policy.out_of_scope
        )
        self.coordinator: Department = self.catalogue.coordinator(Level.district)


class Router:
    """Decides routing for any of the districts it was built with. Pure: no I/O, no clock."""

    def __init__(self, districts: Iterable[District]) -> None:
        self._districts = {d.code: _CompiledDistrict(d) for d in districts}

    def decide(self, request: RoutingRequest) -> RoutingDecision:
        """Route one case; NotFound for an unknown district, matter, problem kind or excluded department."""
        d = self._district(request.district)
        kind = _lookup(d.kinds, request.problem_kind, en="problem kind", zh="问题类型", district=d)
        for code in request.excluded_departments:
            _lookup(d.departments, code, en="department", zh="部门", district=d)
        matter = (_lookup(d.matters, request.matter_code, en="matter", zh="事项", district=d)
                  if request.matter_code else None)
        text = normalise(request.description)
        if matter is None:
            referral = _match_out_of_scope(d, text)
            if referral is not None:
                return _referred(d, referral, kind)
        candidates = _rank(d, text, request.excluded_departments)
        return _route(d, request, kind, matter, text, candidates)

    def _district(self, code: str) -> _CompiledDistrict:
        try:
            return self._districts[code]
        except KeyError:
            raise NotFound(en=f"unknown district {code!r}", zh=f"未配置辖区 {code}") from None


def _lookup(table: dict[str, T], code: str, *, en: str, zh: str, district: _CompiledDistrict) -> T:
    try:
        return table[code]
    except KeyError:
        raise NotFound(en=f"unknown {en} {code!r} in district {district.catalogue.district!r}",
                       zh=f"辖区 {district.catalogue.district} 没有{zh} {code}") from None


def _match_out_of_scope(d: _CompiledDistrict, text: str) -> OutOfScopeRule | None:
    for rule, groups, unless in d.out_of_scope:
        if all(any(w in text for w in group) for group in groups) and not any(w in text for w in unless):
            return rule
    return None


def _rank(d: _CompiledDistrict, text: str, excluded: frozenset[str]) -> tuple[Candidate, ...]:
    """Departments ranked by their best-scoring matter; a department's many matters do not add up."""
    best: dict[str, Candidate] = {}
    for entry in d.matter_keywords:
        lead = entry.matter.lead
        if lead in excluded:
            continue
        matched: list[str] = []
        for kw in entry.keywords:
            if kw in text and not any(kw in longer for longer in matched):
                matched.append(kw)
        if matched:
            score = sum(len(kw) for kw in matched)
            if lead not in best or score > best[lead].score:
                best[lead] = Candidate(department=lead, score=score, matter_code=entry.matter.code)
    return tuple(sorted(best.values(), key=lambda c: c.score, reverse=True))


def _route(d: _CompiledDistrict, request: RoutingRequest, kind: ProblemKind, matter: Matter | None,
           text: str, candidates: tuple[Candidate, ...]) -> RoutingDecision:
    thresholds = d.policy.thresholds
    reasons: list[Reason] = []
    excluded = request.excluded_departments
    if matter is not None and matter.lead not in excluded:
        lead: str | None = matter.lead
        confidence = thresholds.matter_code_confidence
        reasons.append(Reason(code="matter_from_catalogue",
                              zh=f"事项目录：{matter.name} 由 {_name(d, lead)} 主办",
                              en=f"catalogue: {matter.code} is led by {lead}"))
    else:
        if matter is not None:
            reasons.append(Reason(code="lead_excluded",
                                  zh=f"{_name(d, matter.lead)} 已退单，改按关键词另选主办部门",
                                  en=f"{matter.lead} returned it; choosing another lead by keywords"))
        lead, confidence, matter = _lead_from_keywords(d, candidates, reasons, matter)

    assisting: list[str] = []
    if lead is not None and kind.lead is LeadChoice.coordinator and lead != d.coordinator.code:
        reasons.append(Reason(code="coordinator_leads",
                              zh=f"问题类型“{kind.name}”由 {d.coordinator.name} 牵头，{_name(d, lead)} 协办",
                              en=f"problem kind {kind.code}: the coordinator {d.coordinator.code} leads"))
        assisting.append(lead)
        lead = d.coordinator.code
    if matter is not None and kind.include_typical_assisting and matter.assisting:
        assisting.extend(matter.assisting)
        reasons.append(Reason(code="typical_assisting",
                              zh=f"问题类型“{kind.name}”需协同，加入事项常见协办部门",
                              en=f"problem kind {kind.code}: adding the matter's typical assisting departments"))
    if kind.add_assisting:
        assisting.extend(kind.add_assisting)
        reasons.append(Reason(code="kind_assisting", zh=f"问题类型“{kind.name}”按规则加入协办部门",
                              en=f"problem kind {kind.code} adds {', '.join(kind.add_assisting)}"))
    mentioned = [code for code, aliases in d.aliases if any(a in text for a in aliases)]
    if mentioned:
        assisting.extend(mentioned)
        reasons.append(Reason(code="department_mentioned",
                              zh="诉求中提到：" + "、".join(_name(d, c) for c in mentioned),
                              en="the text mentions " + ", ".join(mentioned)))
    assisting_final = tuple(dict.fromkeys(c for c in assisting if c != lead and c not in excluded))

    tier = max((matter.tier if matter else Tier.general, kind.tier_floor), key=lambda t: t.rank)
    if assisting_final and tier is not Tier.complex:
        tier = Tier.complex  # several departments means coordination: the complex deadline applies
    outcome = Outcome.routed
    if lead is None:
        outcome = Outcome.manual_triage
    elif kind.manual_triage:
        outcome = Outcome.manual_triage
        reasons.append(Reason(code="kind_requires_triage", zh=f"问题类型“{kind.name}”须人工研判",
                              en=f"problem kind {kind.code} always goes to manual triage"))
    elif confidence < thresholds.auto_route_confidence:
        outcome = Outcome.manual_triage
        reasons.append(Reason(code="low_confidence",
                              zh=f"置信度 {confidence:.2f} 低于 {thresholds.auto_route_confidence:.2f}，转人工研判",
                              en=f"confidence {confidence:.2f} below {thresholds.auto_route_confidence:.2f}"))
    return RoutingDecision(outcome=outcome, district=d.catalogue.district, lead=lead, assisting=assisting_final,
                           matter_code=matter.code if matter else None, tier=tier, urgent=kind.urgent,
                           confidence=round(confidence, 3), reasons=tuple(reasons), candidates=candidates)


def _lead_from_keywords(d: _CompiledDistrict, candidates: tuple[Candidate, ...], reasons: list[Reason],
                        matter: Matter | None) -> tuple[str | None, float, Matter | None]:
    """Lead, confidence and matter from keyword evidence: strength of the best times its share of the top two."""
    if not candidates:
        reasons.append(Reason(code="no_match", zh="未匹配到任何事项关键词，需人工研判",
                              en="no matter keyword matched"))
        return None, 0.0, matter
    top = candidates[0]
    second = candidates[1].score if len(candidates) > 1 else 0
    strength = min(1.0, top.score / d.policy.thresholds.strong_match_weight)
    confidence = strength * top.score / (top.score + second)
    best_matter = d.matters[top.matter_code]
    reasons.append(Reason(code="keyword_match",
                          zh=f"关键词指向事项“{best_matter.name}”，由 {_name(d, top.department)} 主办",
                          en=f"keywords point at {best_matter.code}, led by {top.department} (score {top.score})"))
    if second:
        runner_up = candidates[1]
        reasons.append(Reason(code="competing_match",
                              zh=f"同时匹配 {_name(d, runner_up.department)}"
                                 f"（{d.matters[runner_up.matter_code].name}）",
                              en=f"also matches {runner_up.department} ({runner_up.matter_code}, score {second})"))
    return top.department, confidence, matter or best_matter


def _referred(d: _CompiledDistrict, rule: OutOfScopeRule, kind: ProblemKind) -> RoutingDecision:
    return RoutingDecision(
        outcome=Outcome.referred, district=d.catalogue.district, lead=None, assisting=(), matter_code=None,
        tier=Tier.simple, urgent=kind.urgent, confidence=d.policy.thresholds.out_of_scope_confidence,
        reasons=(Reason(code="out_of_scope", zh=f"{rule.name}：{rule.explanation}",
                        en=f"out of scope ({rule.code}); refer to {', '.join(rule.referral)}"),),
        referral_targets=tuple(d.targets[code] for code in rule.referral),
    )


def _name(d: _CompiledDistrict, code: str) -> str:
    return d.departments[code].name
