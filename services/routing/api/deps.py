"""What routing's routes depend on, as typed `Annotated` aliases: the runtime as built, its settings, the
catalogues in force and the similar-case suggestions it holds."""

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from shared.health import get_runtime
from services.routing.config import RoutingSettings
from services.routing.store.catalogues import Catalogues
from services.routing.store.suggestions import Suggestions

if TYPE_CHECKING:
    from services.routing.app import RoutingRuntime

RuntimeDep = Annotated["RoutingRuntime", Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> RoutingSettings:
    """The settings the runtime was built with (tests build it with their own)."""
    return runtime.settings


async def get_catalogues(runtime: RuntimeDep) -> Catalogues:
    return runtime.catalogues


async def get_suggestions(runtime: RuntimeDep) -> Suggestions:
    return runtime.suggestions


SettingsDep = Annotated[RoutingSettings, Depends(get_settings)]
CataloguesDep = Annotated[Catalogues, Depends(get_catalogues)]
SuggestionsDep = Annotated[Suggestions, Depends(get_suggestions)]
