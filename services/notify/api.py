"""Notify's HTTP routes: deliveries of a case, and template previews (模板预览)."""

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlmodel import select

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, PublicModel, UtcDateTime, page_of
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from shared.problems import FieldError, invalid, invalid_field, not_found
from services.notify import store
from services.notify.domain.model import ChannelName, TemplateValue
from services.notify.domain.templates import Rendered, TemplateError, preview
from services.notify.handlers import notify_config

router = APIRouter()
TemplateReader = Annotated[Principal, Authorize("template.read")]


class DeliveryPublic(PublicModel):
    """A delivery as staff see it: no address (personal data), the reason masked."""

    delivery_id: str
    channel: str
    recipient: str
    template: str
    event_type: str
    state: str
    attempts: int
    last_error: str | None
    due_at: UtcDateTime | None
    delivered_at: UtcDateTime | None


class TemplateNames(BaseModel):
    templates: list[str]
    variables: list[str] = Field(description="The variables templates may use")


@router.get("/cases/{case_id}/deliveries", response_model=Page[DeliveryPublic], tags=["deliveries"])
async def list_deliveries(case_id: str, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("delivery.read")],
                          offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page[DeliveryPublic]:
    """The notifications planned for one case, oldest first, with their delivery state and last error."""
    async with runtime.sessions() as session:
        facts = await session.get(store.CaseFacts, case_id)
        if facts is None:
            return page_of([], offset=offset, limit=limit, more=False)  # notify has heard nothing of this case
        require(principal, "delivery.read", Scope(district=facts.district, hall=facts.hall))
        query = select(store.Delivery).where(store.Delivery.case_id == case_id).order_by(store.Delivery.created_at)
        rows = (await session.exec(query.offset(offset).limit(limit + 1))).all()
    shown = [DeliveryPublic.model_validate(row) for row in rows[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(rows) > limit)


@router.get("/templates", tags=["templates"], response_model=TemplateNames)
async def list_templates(_principal: TemplateReader) -> TemplateNames:
    """Template names, and the variables templates may use."""
    book = notify_config().templates
    return TemplateNames(templates=sorted(book.templates), variables=sorted(book.variables))


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
        raise not_found(zh=f"没有模板 {name}", en=f"no template {name!r}")
    unknown = sorted(set(variables or {}) - set(book.variables))
    if unknown:
        raise invalid(*(FieldError(field=f"variables.{key}", zh=f"未声明的模板变量 {key}",
                                   en=f"undeclared template variable {key!r}") for key in unknown))
    try:
        return preview(book, name, channel=channel, variables=variables)
    except TemplateError as error:
        raise invalid_field(f"variables.{error.variable or name}", zh=f"模板无法渲染:{error}",
                            en=f"cannot render: {error}") from error
