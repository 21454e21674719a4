"""Open311 services from the district packs.

A service is a problem kind (问题类型) of the district: the kinds are what the window sorts reports by,
a short list a citizen can choose from, whereas the matter catalogue (事项目录) is long and citizens
often do not know which matter their trouble belongs to. The matter is therefore an optional
attribute, and the hall (大厅) a required one where the district has more than one: the case is
numbered and handled at a hall, and the applicant comes back there. Only districts whose pack lists
the `open311` channel are served; `jurisdiction_id` is the district's code.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.districts import DistrictPack, load_packs
from shared.districts.schema import Channel, Hall, ProblemKind
from services.intake.domain.districts import DistrictCatalogue
from services.intake.open311.formats import Open311Error

HALL, MATTER = "hall", "matter"


def served(catalogue: DistrictCatalogue) -> list[DistrictPack]:
    return [district for district in catalogue.districts if Channel.open311 in district.channels]


def jurisdiction(catalogue: DistrictCatalogue, jurisdiction_id: str | None) -> DistrictPack:
    """The district asked for; it may be left out only while a single district is served."""
    districts = served(catalogue)
    if not jurisdiction_id:
        if len(districts) == 1:
            return districts[0]
        raise Open311Error(400, "jurisdiction_id is required: one of " + ", ".join(d.code for d in districts)
                           + " (请提供 jurisdiction_id)")
    for district in districts:
        if district.code == jurisdiction_id:
            return district
    raise Open311Error(404, f"jurisdiction_id {jurisdiction_id!r} is not served here; one of "
                       + ", ".join(d.code for d in districts) + f" (不受理辖区 {jurisdiction_id!r})")


def service(district: DistrictPack, service_code: str) -> ProblemKind:
    if (kind := district.kind(service_code)) is not None:
        return kind
    raise Open311Error(400, f"service_code {service_code!r} is not a service of {district.code}; one of "
                       + ", ".join(k.code for k in district.problem_kinds) + f" (服务代码 {service_code!r} 不存在)")


def service_entry(district: DistrictPack, kind: ProblemKind) -> dict[str, Any]:
    return {"service_code": kind.code, "service_name": kind.name_zh, "description": kind.name_en, "metadata": True,
            "type": "realtime", "keywords": None, "group": district.name_zh}


def attributes(district: DistrictPack) -> list[dict[str, Any]]:
    hall = {
        "variable": True, "code": HALL, "datatype": "singlevaluelist", "required": len(district.halls) > 1,
        "datatype_description": None, "order": 1,
        "description": "受理大厅: the service hall that handles the case and where the applicant comes back",
        "values": [{"key": h.code, "name": h.name_zh} for h in district.halls],
    }
    matter: dict[str, Any] = {
        "variable": True, "code": MATTER, "required": False, "datatype_description": None, "order": 2,
        "description": "事项: the matter (from the district's catalogue) the problem is about, if known",
    }
    if district.matters:
        matter |= {"datatype": "singlevaluelist",
                   "values": [{"key": m.code, "name": m.name_zh} for m in district.matters]}
    else:
        matter |= {"datatype": "string"}
    return [hall, matter]


def chosen_hall(district: DistrictPack, value: str | None) -> Hall:
    if value is None:
        if len(district.halls) == 1:
            return district.halls[0]
        raise Open311Error(400, f"attribute[{HALL}] is required: one of " + ", ".join(h.code for h in district.halls)
                           + " (请选择受理大厅)")
    for hall in district.halls:
        if hall.code == value:
            return hall
    raise Open311Error(400, f"attribute[{HALL}] {value!r} is not a hall of {district.code}; one of "
                       + ", ".join(h.code for h in district.halls) + f" (大厅 {value!r} 不存在)")


@lru_cache(maxsize=4)
def _department_names(root: Path) -> dict[tuple[str, str], str]:
    return {(code, department.code): department.name_zh
            for code, pack in load_packs(root).items() for department in pack.departments}


@lru_cache(maxsize=4)
def _matter_leads(root: Path) -> dict[tuple[str, str], str]:
    return {(code, matter.code): matter.lead_department
            for code, pack in load_packs(root).items() for matter in pack.matters}


def agency(root: Path, *, district: str, lead_department: str | None, matter_code: str | None) -> str | None:
    """The lead department's name: the one routing dispatched to, else the matter's usual lead, if known."""
    department = lead_department or (_matter_leads(root).get((district, matter_code)) if matter_code else None)
    if department is None:
        return None
    return _department_names(root).get((district, department), department)
