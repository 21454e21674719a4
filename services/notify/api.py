"""Notify's HTTP routes: deliveries of a case, and template previews (模板预览)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel
from sqlmodel import select

from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from services.notify import store
from services.notify.domain.model import ChannelName, TemplateValue
from services.notify.domain.templates import Rendered, TemplateError, preview
from services.notify.handlers import notify_config

router = APIRouter()
TemplateReader = Annotated[Principal, Authorize("template.read")]


class DeliveryPublic(BaseModel):
    """A delivery as staff see it: no address (personal data), the reason masked."""

    delivery_id: str
    channel: str
    recipient: str
    template: str
    event_type: str
    state: str
    attempts: int
    last_error: str | None
    due_at: datetime | None
    delivered_at: datetime | None


@router.get("/cases/{case_id}/deliveries", response_model=list[DeliveryPublic], tags=["deliveries"])
async def list_deliveries(case_id: str, runtime: RuntimeDep,
                          principal: Annotated[Principal, Authorize("delivery.read")]) -> list[store.Delivery]:
    """The notifications planned for one case, with their delivery state and last error."""
    async with runtime.sessions() as session:
        facts = await session.get(store.CaseFacts, case_id)
        if facts is None:
            return []  # notify has heard nothing of this case: nothing was planned for it
        require(principal, "delivery.read", Scope(district=facts.district, hall=facts.hall))
        query = select(store.Delivery).where(store.Delivery.case_id == case_id).order_by(store.Delivery.created_at)
        return list((await session.exec(query)).all())


@router.get("/templates", tags=["templates"])
async def list_templates(_principal: TemplateReader) -> dict[str, list[str]]:
    """Template names, and the variables templates may use."""
    book = notify_config().templates
    return {"templates": sorted(book.templates), "variables": sorted(book.variables)}


@router.post("/templates/{name}/preview", response_model=Rendered, tags=["templates"])
async def preview_template(
    name: str,
    _principal: TemplateReader,
    channel: ChannelName = ChannelName.email,
    variables: Annotated[dict[str, TemplateValue] | None, Body(embed=True)] = None,
) -> Rendered:
    """Render a template with the declared examples, overridden by `variables`: what recipients will read."""
    book = notify_config().templates
    if name not in book.templates:
        raise HTTPException(404, detail=[{"loc": ["path", "name"], "msg": f"没有此模板 / no template {name!r}"}])
    unknown = sorted(set(variables or {}) - set(book.variables))
    if unknown:
        raise HTTPException(422, detail=[
            {"loc": ["body", "variables", key], "msg": f"未声明的模板变量 / undeclared template variable {key!r}"}
            for key in unknown
        ])
    try:
        return preview(book, name, channel=channel, variables=variables)
    except TemplateError as error:
        raise HTTPException(422, detail=[{"loc": ["body", "variables", error.variable or name],
                                          "msg": f"模板无法渲染 / cannot render: {error}"}]) from error
