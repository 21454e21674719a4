"""No service accepts what another cannot serve: every shipped pack, through each service's own domain.

Whatever intake accepts at a hall of a district (its kinds, its matters) is routed by routing (or sent to
a person on purpose, as the pack marks the kind), timed by sla (a tier for the work order's tier and for
intake's) and told by notify (a rule reaching the lead department, with an address).
"""

from datetime import UTC, datetime

import pytest

from shared.districts import load_packs
from shared.districts.schema import Channel
from services.intake.domain.districts import classify_case, load_district_catalogue
from services.notify.domain.config_files import load_notify_config
from services.notify.domain.model import Audience, NotificationContext
from services.notify.domain.planner import plan
from services.routing.domain.decision import Outcome, RoutingRequest
from services.routing.domain.loader import load_districts
from services.routing.domain.router import Router
from services.sla.domain.policy import load_policies

PACKS = load_packs()
INTAKE = load_district_catalogue()
ROUTER = Router(load_districts().values())
SLA = load_policies()
NOTIFY = load_notify_config().rules
DAYTIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, a Tuesday


def test_the_articles_districts_and_demo_are_shipped() -> None:
    assert set(PACKS) == {"demo", "shenzhen-shahe", "shanghai-hongkou", "zhongshan", "beijing-changping",
                          "liuzhou-chengzhong"}


@pytest.mark.parametrize("code", sorted(PACKS))
def test_each_district_has_a_realistic_catalogue(code: str) -> None:
    pack = PACKS[code]
    assert len(pack.matters) >= 30
    assert (
        len({m.lead_department for m in pack.matters} | {d for m in pack.matters for d in m.assisting_departments})
        >= 12
    )
    assert len(pack.departments) >= 12


@pytest.mark.parametrize("code", sorted(PACKS))
def test_every_hall_of_a_district_leads_intake_to_that_district(code: str) -> None:
    for hall in PACKS[code].halls:
        _hall, district = INTAKE.hall(hall.code)
        assert district.code == code


@pytest.mark.parametrize("code", sorted(PACKS))
def test_every_kind_and_matter_intake_accepts_is_routed_timed_and_told(code: str) -> None:
    pack, district, policy, book = PACKS[code], INTAKE.district(code), SLA[code], NOTIFY
    for tier in district.complexity_tiers:  # intake's own tier (the case's reply deadline)
        policy.tier(tier.value)
    for kind in district.problem_kinds:
        for matter in pack.matters:
            classify_case(district=district, channel=Channel.walk_in, problem_kind=kind.code,
                          matter_code=matter.code)  # accepted: raises otherwise
            decision = ROUTER.decide(RoutingRequest(district=code, problem_kind=kind.code,
                                                    description=matter.name_zh, matter_code=matter.code))
            where = f"{code}: kind {kind.code}, matter {matter.code}: {decision.reason_en}"
            policy.tier(decision.tier.value)  # sla arms a deadline: raises UnknownTier otherwise
            if pack.kind(kind.code).manual_triage:
                assert decision.outcome is Outcome.manual_triage, where
                continue
            assert decision.outcome is Outcome.routed, where
            context = NotificationContext(
                event_id="e1", case_id="c1", case_number="X-1", district=code, hall_id=pack.halls[0].code,
                lead_department=decision.lead, assisting_departments=decision.assisting)
            told = [d for d in plan(rules=book, event_type="workorder.dispatched", context=context, now=DAYTIME)
                    if d.audience is Audience.lead_department and d.address]
            assert told, where


@pytest.mark.parametrize("code", sorted(PACKS))
def test_consultations_are_marked_apart_where_the_district_counts_them(code: str) -> None:
    consultations = PACKS[code].consultation_kinds()
    assert consultations, f"{code} names no consultation (咨询) kind"
    assert consultations == {k.code for k in INTAKE.district(code).problem_kinds if k.consultation}
