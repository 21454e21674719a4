"""The simulator's HTTP side: push orders into intake, receive and list status syncs."""

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from shared.dev.hotline12345.config import SimulatorSettings
from shared.dev.hotline12345.store import StatusStore
from shared.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers, verify


class StatusSync(BaseModel):
    """What Bancheng tells 12345 about one of its orders."""

    ticket_id: str
    status: Literal["accepted", "replied", "closed", "callback", "yellow_card", "red_card"]
    case_number: str
    note: str = ""
    delivery_id: str
    # What the platform's assessment counts: a card's colour, reason and department; at closing, whether the
    # reply was on time and the caller's satisfaction.
    figures: dict[str, str | bool | None] | None = None


def create_app(settings: SimulatorSettings) -> FastAPI:
    store = StatusStore(settings.database_path)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.create()
        yield

    app = FastAPI(title="12345 hotline simulator", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/orders")
    async def push_order(order: dict[str, Any]) -> JSONResponse:
        """Sign a hotline order (see docs/intake-12345.md) and deliver it to intake's webhook."""
        body = json.dumps(order, ensure_ascii=False).encode()
        headers = signed_headers(secret=settings.secret, delivery_id=str(uuid.uuid4()), body=body, now=time.time())
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{settings.intake_url}/hotline/12345/orders", content=body,
                                         headers={**headers, "Content-Type": "application/json"})
        return JSONResponse({"intake_status": response.status_code, "intake_body": response.json()})

    @app.post("/status")
    async def receive_status(request: Request) -> dict[str, bool]:
        """Bancheng's status sync for one order: signature checked, replay refused, stored."""
        raw = await request.body()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        delivery = request.headers.get(DELIVERY_HEADER, "")
        received = request.headers.get(SIGNATURE_HEADER, "")
        if not (delivery and verify(secret=settings.secret, timestamp=timestamp, body=raw, received=received,
                                    now=time.time(), tolerance=settings.tolerance_s)):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or expired signature")
        try:
            sync = StatusSync.model_validate_json(raw)
        except ValidationError as error:
            raise HTTPException(422, error.errors(include_url=False, include_context=False)) from error
        if not await store.add(delivery_id=delivery, ticket_id=sync.ticket_id, body=sync.model_dump(exclude_unset=True),
                               received_at=time.time()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "delivery already received (replay)")
        return {"stored": True}

    @app.get("/status")
    async def list_status(ticket_id: str) -> list[dict[str, Any]]:
        """The syncs received for one hotline order, oldest first."""
        return await store.for_ticket(ticket_id)

    return app
