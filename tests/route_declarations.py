"""Every service's routes as its OpenAPI document declares them: method, path and `x-permission`.

Shared by the declaration test (tests/unit/test_route_permissions.py) and the authorization matrix
(tests/e2e/test_access_matrix.py)."""

import importlib
from dataclasses import dataclass
from typing import Any

SERVICES = ("intake", "routing", "sla", "notify", "audit")
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    permission: str | None  # None: undeclared
    operation: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"


def openapi_document(service: str) -> dict[str, Any]:
    """The OpenAPI document of `service`, its app built by its composition root (nothing is started)."""
    runtime = importlib.import_module(f"services.{service}.app").build_runtime()
    try:
        return runtime.app().openapi()
    finally:
        runtime.engine.sync_engine.dispose()


def routes(service: str, document: dict[str, Any] | None = None) -> list[Route]:
    document = document or openapi_document(service)
    return [Route(service, method, path, operation.get("x-permission"), operation)
            for path, operations in document["paths"].items()
            for method, operation in operations.items() if method in HTTP_METHODS]
