"""The routes every service has: liveness, readiness (database and broker), Prometheus metrics."""

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel, Field

from shared import db
from shared.auth.http import PUBLIC

if TYPE_CHECKING:
    from shared.runtime import Runtime

health_router = APIRouter(tags=["operations"])


async def get_runtime(request: Request) -> "Runtime":
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop per request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    database: str = Field(description='"ok", or the error\'s type')
    broker: Literal["ok", "unreachable"]


@health_router.get("/healthz", response_model=Liveness, openapi_extra=PUBLIC)
async def healthz() -> Liveness:
    """The process is alive."""
    return Liveness(status="ok")


@health_router.get("/readyz", response_model=Readiness, openapi_extra=PUBLIC,
                   responses={503: {"model": Readiness, "description": "The database or the broker does not answer"}})
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
    readiness = Readiness(status="ready" if ready else "not ready", **checks)
    return JSONResponse(readiness.model_dump(), status_code=200 if ready else 503)


@health_router.get("/metrics", response_class=Response, openapi_extra=PUBLIC,
                   responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                                    "description": "Prometheus text exposition"}})
async def metrics() -> Response:
    """Prometheus exposition of this process's metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
