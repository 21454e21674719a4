"""`/templates`: template names and previews (模板预览)."""

from typing import Annotated

from fastapi import APIRouter, Body

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.problems import FieldError, invalid, invalid_field, not_found
from services.notify.api.deps import ConfigDep
from services.notify.api.models import TemplateNames
from services.notify.domain.model import ChannelName, TemplateValue
from services.notify.domain.templates import Rendered, TemplateError, preview

router = APIRouter()
TemplateReader = Annotated[Principal, Authorize("template.read")]


@router.get("/templates", tags=["templates"], response_model=TemplateNames)
async def list_templates(_principal: TemplateReader, config: ConfigDep) -> TemplateNames:
    """Template names, and the variables templates may use."""
    book = config.templates
    return TemplateNames(templates=sorted(book.templates), variables=sorted(book.variables))


@router.post("/templates/{name}/preview", response_model=Rendered, tags=["templates"])
async def preview_template(
    name: str,
    _principal: TemplateReader,
    config: ConfigDep,
    channel: ChannelName = ChannelName.email,
    variables: Annotated[dict[str, TemplateValue] | None, Body(embed=True)] = None,
) -> Rendered:
    """Render a template with the declared examples, overridden by `variables`: what recipients will read."""
    book = config.templates
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
