"""Who is signed in (/api/me)."""

from typing import Any

from fastapi import APIRouter

from shared.auth.http import PUBLIC
from services.console.api.deps import SessionDep

router = APIRouter(tags=["console"])


@router.get("/api/me", openapi_extra=PUBLIC)
async def me(session: SessionDep) -> dict[str, Any]:
    """Who is signed in: name, roles and org unit (district, hall, department). No token."""
    principal = session.principal
    return {"name": principal.name, "subject": principal.subject, "roles": sorted(principal.roles),
            "district": principal.district, "hall": principal.hall, "department": principal.department}
