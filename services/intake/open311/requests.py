"""A case as GeoReport v2 shows a service request: open or closed, its text masked, times in Asia/Shanghai with
their offset, the agency responsible (the lead department) where one is known."""

from datetime import datetime
from pathlib import Path
from typing import Any

from shared.clock import local_time, stored_utc
from shared.districts import DistrictPack
from shared.masking import mask_text
from services.intake import store
from services.intake.domain.lifecycle import CaseState
from services.intake.open311 import catalogue

# The window has answered (or the case ended another way); a reopened case is open again.
CLOSED_STATES = frozenset({
    CaseState.resolved_on_spot, CaseState.replied, CaseState.callback_recorded, CaseState.reviewed,
    CaseState.archived, CaseState.referred_out_of_scope, CaseState.withdrawn, CaseState.merged_as_duplicate,
})
OPEN_STATES = frozenset(CaseState) - CLOSED_STATES
DESCRIPTION_MAX = 4000  # the request schema's limit


def _datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return local_time(stored_utc(value)).isoformat(timespec="seconds")


def request_entry(root: Path, district: DistrictPack, case: store.Case, lead: str | None) -> dict[str, Any]:
    kinds = {kind.code: kind.name_zh for kind in district.problem_kinds}
    closed = CaseState(case.state) in CLOSED_STATES
    return {
        "service_request_id": case.case_number,
        "status": "closed" if closed else "open",
        "status_notes": mask_text(case.reply) if case.reply else None,
        "service_name": kinds.get(case.problem_kind),
        "service_code": case.problem_kind,
        "description": mask_text(case.description)[:DESCRIPTION_MAX],
        "agency_responsible": catalogue.agency(root, district=case.district, lead_department=lead,
                                               matter_code=case.matter_code),
        "service_notice": None,
        "requested_datetime": _datetime(case.created_at),
        "updated_datetime": _datetime(case.updated_at),
        "expected_datetime": None,
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.long,
        "media_url": case.media_url,
    }
