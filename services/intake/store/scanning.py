"""The scanning hook every upload passes before it is stored (病毒扫描): a setting names it.

- empty: no scanner; every file passes (development, or a gateway that scans already).
- `module:function`: an async callable `(path: Path, *, content_type: str) -> str | None` given the staged file;
  it answers None for a clean file, or the reason it rejects it.
- `clamd://host:port`: ClamAV's daemon, sent the file by its INSTREAM command in chunks.

A scanner that cannot be reached or fails is not a pass: the upload is refused (503) and nothing is stored."""

from __future__ import annotations

import asyncio
import importlib
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

Scanner = Callable[..., Awaitable[str | None]]
CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The scanner gave no verdict."""


async def passes(path: Path, *, content_type: str) -> str | None:
    """No scanner configured: every file passes."""
    return None


def load_scanner(hook: str) -> Scanner:
    """The scanner a setting names (see the module's docstring); a wrong name fails the start, not an upload."""
    if not hook:
        return passes
    if hook.startswith("clamd://"):
        address = urlsplit(hook)
        if not address.hostname:
            raise ValueError(f"attachments scan hook {hook!r}: clamd://host:port")
        return ClamdScanner(address.hostname, address.port or 3310)
    module, _, name = hook.partition(":")
    if not module or not name:
        raise ValueError(f"attachments scan hook {hook!r}: 'package.module:function' or 'clamd://host:port'")
    scanner = getattr(importlib.import_module(module), name)
    if not callable(scanner):
        raise ValueError(f"attachments scan hook {hook!r} is not callable")
    return scanner  # type: ignore[no-any-return]  # a callable found by name, checked above


class ClamdScanner:
    """ClamAV's clamd over TCP: `zINSTREAM`, the file as length-prefixed chunks, a zero-length end; the answer is
    `stream: OK` or `stream: <signature> FOUND`."""

    def __init__(self, host: str, port: int, *, timeout_s: float = 30.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s

    async def __call__(self, path: Path, *, content_type: str) -> str | None:
        try:
            answer = await asyncio.wait_for(self._scan(path), self.timeout_s)
        except (OSError, TimeoutError) as error:
            raise ScannerUnavailable(f"clamd at {self.host}:{self.port}: {error!r}") from error
        verdict = answer.rstrip(b"\0\n").decode("utf-8", "replace").removeprefix("stream: ")
        if verdict == "OK":
            return None
        if verdict.endswith(" FOUND"):
            return verdict.removesuffix(" FOUND")
        raise ScannerUnavailable(f"clamd at {self.host}:{self.port} answered {verdict!r}")

    async def _scan(self, path: Path) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(b"zINSTREAM\0")
            with open(path, "rb") as file:
                while chunk := file.read(CHUNK):
                    writer.write(struct.pack("!L", len(chunk)) + chunk)
                    await writer.drain()
            writer.write(struct.pack("!L", 0))
            await writer.drain()
            return await reader.read(4096)
        finally:
            writer.close()
