"""`/halls/{hall}/registration-options`: what the registration form offers at one hall, from its district's pack
(shared/districts/packs): the channels, the problem kinds (问题分类), the matters (事项) with their keywords for
search, the departments' names, the complexity tiers and whether staff may open the green channel (绿色通道)."""

from fastapi import APIRouter

from shared.auth.http import require
from shared.auth.policy import Scope
from services.intake.api.deps import CatalogueDep, Registrar
from services.intake.api.models import DepartmentOption, KindOption, MatterOption, RegistrationOptions

router = APIRouter(prefix="/halls", tags=["registration options"])


@router.get("/{hall}/registration-options", response_model=RegistrationOptions)
async def registration_options(hall: str, catalogue: CatalogueDep, principal: Registrar) -> RegistrationOptions:
    """The registration form's choices at `hall` (a case-number prefix), for the clerks of that hall."""
    found, district = catalogue.hall(hall)
    require(principal, "case.register", Scope(district=district.code, hall=found.code))
    return RegistrationOptions(
        district=district.code, hall=found.code, hall_name_zh=found.name_zh, channels=list(district.channels),
        complexity_tiers=list(district.complexity_tiers), green_channel=district.green_channel.enabled,
        problem_kinds=[KindOption(code=k.code, name_zh=k.name_zh, name_en=k.name_en, green_channel=k.green_channel,
                                  consultation=k.consultation) for k in district.problem_kinds],
        matters=[MatterOption(code=m.code, name_zh=m.name_zh, lead_department=m.lead_department, tier=m.tier,
                              keywords=list(m.keywords)) for m in district.matters],
        departments=[DepartmentOption(code=d.code, name_zh=d.name_zh, name_en=d.name_en)
                     for d in district.departments],
    )
