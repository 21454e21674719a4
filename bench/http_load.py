"""A load generator's HTTP client: raw HTTP/1.1 keep-alive over asyncio streams.

httpx spent about 4 ms CPU per request on this 2-core machine, more than intake spends on a
registration, so a load generator built on it measured itself. This one reads only the status
line, the headers it needs and the body.
"""

import asyncio


class RawClient:
    """POSTs JSON to one local server over a pool of keep-alive connections (a new one opened
    whenever all are busy); answers the status code and the body."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof():
                return reader, writer
            writer.close()  # the server closed it while idle (uvicorn's keep-alive timeout): not a failure
        return await asyncio.open_connection("127.0.0.1", self._port)

    async def post(self, path: str, body: bytes, *, headers: str = "") -> tuple[int, bytes]:
        """`headers` are extra header lines, each ending in CRLF."""
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self._port}\r\nContent-Type: application/json\r\n"
                f"{headers}Content-Length: {len(body)}\r\n\r\n").encode()
        reader, writer = await self._connection()
        try:
            writer.write(head + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            fields = {}
            for line in answer.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                fields[name.strip().lower()] = value.strip()
            content = await reader.readexactly(int(fields[b"content-length"]))
        except BaseException:
            writer.close()
            raise
        if fields.get(b"connection", b"").lower() == b"close":
            writer.close()
        else:
            self._idle.append((reader, writer))
        return int(answer[9:12]), content

    def close(self) -> None:
        for _reader, writer in self._idle:
            writer.close()
