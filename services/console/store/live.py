"""The browsers listening for live changes (实时更新), in this process's memory: each with a bounded queue.

The bus consumer hands every change to `LiveHub.publish`, which puts it, without waiting, in the queue of each
client whose person may see it. A client that does not keep up (its queue full: a slow or stalled browser)
is dropped rather than let its queue grow: its stream ends, and the browser reconnects and reloads what it
shows. Memory is at most `queue_size` changes per open connection."""

import asyncio
from dataclasses import dataclass, field

from shared.auth.principal import Principal
from services.console.domain.live import LiveChange, visible_to
from services.console.metrics import LIVE_CLIENTS, LIVE_DELIVERED, LIVE_DROPPED


@dataclass(eq=False)
class LiveClient:
    principal: Principal
    queue: asyncio.Queue[LiveChange]
    dropped: bool = False


@dataclass
class LiveHub:
    queue_size: int
    _clients: set[LiveClient] = field(default_factory=set)

    def connect(self, principal: Principal) -> LiveClient:
        client = LiveClient(principal=principal, queue=asyncio.Queue(self.queue_size))
        self._clients.add(client)
        LIVE_CLIENTS.set(len(self._clients))
        return client

    def disconnect(self, client: LiveClient) -> None:
        self._clients.discard(client)
        LIVE_CLIENTS.set(len(self._clients))

    def publish(self, change: LiveChange) -> int:
        """Queue `change` for every client that may see it; a client whose queue is full is dropped. Returns
        how many clients it was queued for."""
        queued = 0
        for client in [client for client in self._clients if visible_to(client.principal, change)]:
            try:
                client.queue.put_nowait(change)
            except asyncio.QueueFull:
                client.dropped = True
                self.disconnect(client)
                LIVE_DROPPED.inc()
                continue
            queued += 1
        LIVE_DELIVERED.inc(queued)
        return queued

    @property
    def clients(self) -> int:
        return len(self._clients)
