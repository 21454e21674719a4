"""Suggestions from similar replied cases (相似案例), for staff to read: never applied by routing itself.

Each process keeps an in-memory index per district and tops it up from the shared database (cases
replied since the last look) before answering, so every instance sees the same replied cases.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing import store
from services.routing.domain.similarity import ResolvedCase, SimilarCaseIndex


@dataclass
class Suggestions:
    page: int = 5000  # replied cases read per query while topping up
    _indexes: dict[str, SimilarCaseIndex] = field(default_factory=dict)
    _seen_until: tuple[datetime, str] | None = None  # the last replied case read: its reply time and id

    async def for_text(self, session: AsyncSession, *, district: str, text: str,
                       exclude_case: str | None = None) -> dict[str, Any]:
        await self._top_up(session)
        index = self._indexes.get(district)
        if index is None:
            return {"applied": False, "suggested_lead": None, "similar_cases": []}
        similar = [s for s in index.similar(text, k=6) if s.case.case_id != exclude_case][:5]
        lead = index.suggest_lead(text)
        return {
            "applied": False,  # staff decide; a suggestion is never dispatched on its own
            "suggested_lead": None if lead is None or lead.supporting_cases == (exclude_case,) else {
                "department": lead.department, "confidence": lead.confidence,
                "supporting_cases": list(lead.supporting_cases)},
            "similar_cases": [{"case_id": s.case.case_id, "similarity": s.similarity, "lead": s.case.lead,
                               "assisting": list(s.case.assisting), "matter_code": s.case.matter_code,
                               "resolution": s.case.resolution} for s in similar],
        }

    async def _top_up(self, session: AsyncSession) -> None:
        """Read every case replied since the last look, a page at a time (a new process reads them all at
        its first view: one page a view left it answering from part of the history for many views)."""
        while True:
            cases = await store.replied_cases_since(session, since=self._seen_until, limit=self.page)
            for case in cases:
                self._indexes.setdefault(case.district, SimilarCaseIndex()).add(ResolvedCase(
                    case_id=case.case_id, text=case.description, lead=case.route[-1] if case.route else "",
                    matter_code=case.matter_code, resolution=case.reply or ""))
                if case.replied_at is not None:
                    self._seen_until = (case.replied_at, case.case_id)
            if len(cases) < self.page:
                return

