"""The API document and its viewers, served by each service itself.

Halls run on intranets without a CDN, so Swagger UI (`/docs`) and ReDoc (`/redoc`) load their
scripts and styles from this process (`/docs/assets/...`, the files the `fastapi-offline` package
ships). The OpenAPI document declares every refusal as a `Problem` (`application/problem+json`):
what any operation can answer (401, 403, 404, 422), plus 409 and 413 where a request carries a
body, so a generated client knows the one error shape.
"""

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from shared.problems import MEDIA_TYPE, Problem

ASSETS = "/docs/assets"
_ASSETS_DIR = files("fastapi_offline") / "static"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ALWAYS = {401: "Not authenticated", 403: "Not allowed", 404: "Not found", 422: "Invalid input, by field"}
_WITH_BODY = {409: "Conflicts with the current state", 413: "Body too large"}
_BODY_METHODS = {"post", "put", "patch", "delete"}


def install(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets locally, and the problem-declaring `/openapi.json`."""
    app.mount(ASSETS, StaticFiles(directory=str(_ASSETS_DIR)), name="docs-assets")

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js", redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    app.add_api_route("/docs", swagger_ui, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            app.openapi_schema = with_problems(with_shared_definitions(document))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema


def with_shared_definitions(document: dict[str, Any]) -> dict[str, Any]:
    """Models a route documents itself (a body it parses on its own: `$defs` beside the body's schema, referenced
    by path) moved to `components/schemas`, where every generator looks for them (the console's typed client);
    a name already taken there by another schema stays where it is."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    moved: dict[str, str] = {}
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                schema = content.get("schema", {})
                here = "/".join(["#/paths", _pointer(path), method, "requestBody/content", _pointer(media),
                                 "schema/$defs"])
                for name, definition in list(schema.get("$defs", {}).items()):
                    if schemas.setdefault(name, definition) == definition:
                        moved[f"{here}/{name}"] = f"#/components/schemas/{name}"
                        del schema["$defs"][name]
                if "$defs" in schema and not schema["$defs"]:
                    del schema["$defs"]
    return _rewrite_refs(document, moved) if moved else document


def _pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _rewrite_refs(node: Any, moved: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: moved.get(value, value) if key == "$ref" and isinstance(value, str) else _rewrite_refs(value, moved)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, moved) for item in node]
    return node


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation's refusals declared as problems; FastAPI's own 422 shape removed."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for methods in document.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            declared = {**_ALWAYS, **(_WITH_BODY if method in _BODY_METHODS else {})}
            for status, description in declared.items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                # A route's own refusals (429, 401...) are problems too, unless it declared formats of its own
                # (Open311 answers its specification's error list, in JSON or XML).
                if status[0] == "4" and set(response.get("content", {})) <= {"application/json"}:
                    response["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF}}
    return document
