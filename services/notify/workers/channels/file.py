"""A local file sink for development: one JSON line per message, nothing leaves the machine."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

from services.notify.domain.model import ChannelName, Message

from .base import Channel


class FileSinkChannel(Channel):
    name = ChannelName.file

    def __init__(self, *, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._clock = clock
        self._lock = asyncio.Lock()  # lines from concurrent sends must not interleave

    async def _deliver(self, message: Message, address: str) -> str | None:
        line = json.dumps(
            {"written_at": self._clock(), **message.model_dump(mode="json")}, ensure_ascii=False
        )
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return None

    def _append(self, line: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")
