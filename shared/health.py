"""The routes every service has: liveness, readiness (the start done, database and broker), Prometheus metrics.

Liveness answers as soon as the server listens; the start (migrations, the bus, the consumer groups'
joins) runs beside it (`shared.runtime`), and until it is done readiness answers 503 and every other
route 503 too, so nothing that needs the bus is served before it is there."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import db
from shared.auth.http import PUBLIC
from shared.problems import ProblemError, error_response

if TYPE_CHECKING:
    from shared.runtime import Runtime

health_router = APIRouter(tags=["operations"])
# Answered while the service starts: the probes and the scrape need neither the database nor the bus.
OPERATIONS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class Startup:
    """Where a service's start is: begun beside the server (the lifespan), the step under way, then done,
    or the error that ended it."""

    step: str = "not begun"
    begun: bool = False
    done: bool = False
    failure: str | None = None

    def failed(self, error: BaseException) -> None:
        self.failure = f"{type(error).__name__}: {' '.join(str(error).split())}"[:300]

    @property
    def state(self) -> str:
        if self.failure is not None:
            return f"failed while {self.step}: {self.failure}"
        return "done" if self.done else self.step


class UntilStarted:
    """While the start runs beside the server, every route but the operations ones answers 503 (with
    Retry-After). An app whose runtime was started before it (tests) or never is not held back."""

    def __init__(self, app: ASGIApp, *, startup: Startup) -> None:
        self.app = app
        self.startup = startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        startup = self.startup
        if startup.done or not startup.begun or scope["type"] != "http" or scope["path"] in OPERATIONS_PATHS:
            await self.app(scope, receive, send)
            return
        state = startup.state
        error = ProblemError(503, zh=f"服务正在启动({state})", en=f"The service is starting ({state})",
                             headers={"Retry-After": "1"})
        await error_response(error, scope.get("path"))(scope, receive, send)


async def get_runtime(request: Request) -> "Runtime":
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop per request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    start: str = Field(description='"done", the step of the start under way, or "failed while <step>: <error>"')
    database: str = Field(description='"ok", or the error\'s type')
    broker: Literal["ok", "unreachable", "not connected yet"]


@health_router.get("/healthz", response_model=Liveness, openapi_extra=PUBLIC)
async def healthz() -> Liveness:
    """The process is alive."""
    return Liveness(status="ok")


@health_router.get("/readyz", response_model=Readiness, openapi_extra=PUBLIC,
                   responses={503: {"model": Readiness,
                                    "description": "Still starting, or the database or the broker does not answer"}})
async def readyz(runtime: RuntimeDep) -> Response:
    """Ready when the start is done (consumer groups joined) and the database and the broker both answer."""
    startup = runtime.startup
    checks: dict[str, str] = {"start": startup.state}
    try:
        await db.ping(runtime.engine)
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(error).__name__}"
    if startup.done:
        checks["broker"] = "ok" if await runtime.broker.ping(timeout=2.0) else "unreachable"
    else:  # the broker's client is not connected before the start has reached it
        checks["broker"] = "not connected yet"
    ready = startup.done and checks["database"] == "ok" and checks["broker"] == "ok"
    readiness = Readiness(status="ready" if ready else "not ready", **checks)
    return JSONResponse(readiness.model_dump(), status_code=200 if ready else 503)


@health_router.get("/metrics", response_class=Response, openapi_extra=PUBLIC,
                   responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                                    "description": "Prometheus text exposition"}})
async def metrics() -> Response:
    """Prometheus exposition of this process's metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
