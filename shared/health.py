"""The routes every service has: liveness, readiness (database and broker), Prometheus metrics."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from shared import db
from shared.auth.http import PUBLIC

if TYPE_CHECKING:
    from shared.runtime import Runtime

health_router = APIRouter(tags=["operations"])


async def get_runtime(request: Request) -> "Runtime":
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop per request.
    return request.app.state.runtime


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


@health_router.get("/healthz", openapi_extra=PUBLIC)
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@health_router.get("/readyz", openapi_extra=PUBLIC)
async def readyz(runtime: RuntimeDep) -> Response:
    """Ready when the database and the broker both answer."""
    checks: dict[str, str] = {}
    try:
        await db.ping(runtime.engine)
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(error).__name__}"
    checks["broker"] = "ok" if await runtime.broker.ping(timeout=2.0) else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503)


@health_router.get("/metrics", openapi_extra=PUBLIC)
async def metrics() -> Response:
    """Prometheus exposition of this process's metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
