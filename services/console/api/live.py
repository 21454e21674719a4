"""Live changes for the signed-in person's screens (实时更新): `GET /api/live`, server-sent events.

Each change the console consumes from the bus (handlers.py) that the person's roles reach (domain/live.py) is
one `data:` line of JSON, with the event's id as the SSE id; a comment line keeps an idle stream open. A
reconnecting browser's `Last-Event-ID` is not replayed from: it reloads what it shows instead. The stream
ends when the session ends, and when the browser falls `live_queue_size` changes behind (store/live.py)."""

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from shared.auth.http import PUBLIC
from services.console.api.deps import SESSION_COOKIE, ConsoleDep, SessionDep, SettingsDep

router = APIRouter(tags=["console"])


@router.get("/api/live", response_class=EventSourceResponse, openapi_extra=PUBLIC)
async def live_changes(request: Request, session: SessionDep, console: ConsoleDep,
                       settings: SettingsDep) -> AsyncIterator[ServerSentEvent]:
    """The changes this person may see, as they happen (needs the session cookie; sends no token)."""
    client = console.live.connect(session.principal)
    session_id = request.cookies.get(SESSION_COOKIE)
    try:
        yield ServerSentEvent(comment="live", retry=settings.live_retry_ms)
        while True:
            try:
                change = await asyncio.wait_for(client.queue.get(), settings.live_heartbeat_s)
            except TimeoutError:
                if not console.sessions.is_open(session_id):
                    return  # signed out or expired: the browser's reconnect is answered 401
                yield ServerSentEvent(comment="heartbeat")
                continue
            if client.dropped:
                return
            yield ServerSentEvent(data=change.message(), id=change.id)
    finally:
        console.live.disconnect(client)
