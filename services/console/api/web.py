"""The built Vue app (services/console/web/dist, `npm run build`): its files, and index.html for every other
page path so the app's router resolves deep links (/cases/FT-…)."""

from pathlib import Path

from fastapi import APIRouter, status
from fastapi.responses import FileResponse

from shared.auth.http import PUBLIC
from shared.problems import ProblemError, not_found
from services.console.api.deps import SettingsDep

router = APIRouter(tags=["web"])
NOT_PAGES = ("api/", "auth/", "public-api/")
# The app loads only its own files and talks only to its own origin; Element Plus sets inline styles.
# No framing (clickjacking), no referrer beyond this origin.
PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@router.get("/{path:path}", openapi_extra=PUBLIC, include_in_schema=False)
async def page(path: str, settings: SettingsDep) -> FileResponse:
    dist: Path = settings.web_dist.resolve()
    if path.startswith(NOT_PAGES):
        raise not_found(zh=f"没有 /{path}", en=f"no /{path}")
    index = dist / "index.html"
    if not index.is_file():
        raise ProblemError(status.HTTP_503_SERVICE_UNAVAILABLE, zh="控制台前端尚未构建（make 会构建）",
                           en="the console's web app is not built (make builds it)")
    wanted = (dist / path).resolve()
    if path and wanted.is_relative_to(dist) and wanted.is_file():
        return FileResponse(wanted, headers=PAGE_HEADERS)
    return FileResponse(index, headers={**PAGE_HEADERS, "cache-control": "no-cache"})
