"""The HTTP channels' client against a scripted HTTP server on 127.0.0.1: keep-alive, reply framing, TLS."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notify.workers.channels.base import DeliveryFailed
from services.notify.workers.channels.http import HttpClient

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@dataclass
class Exchange:
    peer: int  # the client's port: one per connection
    head: list[str]
    body: bytes


@dataclass
class ScriptedServer:
    """Answers each request with the next scripted reply (raw bytes), then closes if the script says so."""

    replies: list[tuple[bytes, bool]] = field(default_factory=list)
    received: list[Exchange] = field(default_factory=list)
    port: int = 0

    def reply(self, raw: bytes, *, close: bool = False) -> None:
        self.replies.append((raw, close))

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://localhost:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[1]
        try:
            while head := (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")[:-2]:
                length = next(int(line.split(":")[1]) for line in head if line.lower().startswith("content-length:"))
                self.received.append(Exchange(peer, head, await reader.readexactly(length)))
                raw, close = self.replies.pop(0) if self.replies else (OK, False)
                writer.write(raw)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


async def serve(tls: ssl.SSLContext | None = None) -> tuple[ScriptedServer, asyncio.Server]:
    server = ScriptedServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    server.port = listening.sockets[0].getsockname()[1]
    return server, listening


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    server, listening = await serve()
    yield server
    listening.close()


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(connections=4)
    yield http
    await http.aclose()


async def test_sends_to_one_provider_reuse_one_kept_alive_connection(scripted, client):
    for number in range(3):
        await client.post(scripted.url("/hook"), content=b'{"n":%d}' % number)

    assert [exchange.body for exchange in scripted.received] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    assert len({exchange.peer for exchange in scripted.received}) == 1


async def test_a_connection_the_provider_closed_after_its_reply_is_not_reused(scripted, client):
    scripted.reply(OK, close=True)  # no "Connection: close" said: the client sees the close itself

    await client.post(scripted.url("/hook"), content=b"{}")
    await asyncio.sleep(0.05)
    reply = await client.post(scripted.url("/hook"), content=b"{}")

    assert reply.status_code == 200
    assert len({exchange.peer for exchange in scripted.received}) == 2


async def test_a_reply_that_says_connection_close_is_not_reused(scripted, client):
    scripted.reply(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")

    await client.post(scripted.url("/hook"), content=b"{}")
    await client.post(scripted.url("/hook"), content=b"{}")

    assert len({exchange.peer for exchange in scripted.received}) == 2


async def test_chunked_replies_and_replies_ending_at_the_close_are_read_whole(scripted, client):
    scripted.reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n")
    scripted.reply(b"HTTP/1.0 200 OK\r\n\r\n{\"b\":2}", close=True)

    first = await client.post(scripted.url("/a"), content=b"{}")
    second = await client.post(scripted.url("/b"), content=b"{}")

    assert (first.body, second.body) == (b'{"a":1}', b'{"b":2}')


async def test_a_reply_cut_short_is_a_retryable_connection_error(scripted, client):
    scripted.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", close=True)

    with pytest.raises(DeliveryFailed) as failure:
        await client.post(scripted.url("/hook"), content=b"{}")

    assert failure.value.outcome.value == "retryable" and failure.value.reason.startswith("connection error")


async def test_an_interim_reply_is_skipped_for_the_final_one(scripted, client):
    scripted.reply(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")

    reply = await client.post(scripted.url("/hook"), content=b"{}")

    assert (reply.status_code, reply.body) == (201, b"{}")


async def test_the_request_carries_host_length_type_and_a_percent_encoded_path(scripted, client):
    await client.post(scripted.url("/回执/a b?k=办 成&t=%2B"), content="办".encode(), headers={"X-Token": "t"})

    [exchange] = scripted.received
    assert exchange.head[0] == "POST /%E5%9B%9E%E6%89%A7/a%20b?k=%E5%8A%9E%20%E6%88%90&t=%2B HTTP/1.1"
    headers = dict(line.split(": ", 1) for line in exchange.head[1:])
    assert headers["Host"] == f"localhost:{scripted.port}" and headers["X-Token"] == "t"
    assert headers["Content-Length"] == "3" and headers["Content-Type"] == "application/json; charset=utf-8"
    assert exchange.body == "办".encode()


async def test_a_header_carrying_a_line_break_is_refused_without_a_request(scripted, client):
    with pytest.raises(DeliveryFailed) as failure:
        await client.post(scripted.url("/hook"), content=b"{}", headers={"X-Token": "t\r\nX-Admin: yes"})

    assert failure.value.outcome.value == "permanent"
    assert scripted.received == []


async def test_a_url_with_credentials_is_refused_without_echoing_them(client):
    with pytest.raises(DeliveryFailed) as failure:
        await client.post("https://user:secret@hooks.example.com/x", content=b"{}")

    assert failure.value.outcome.value == "permanent" and "secret" not in failure.value.reason


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[ScriptedServer, Path]]:
    cert_path, key_path = certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_path, key_path)
    server, listening = await serve(tls)
    yield server, cert_path
    listening.close()


async def test_an_https_provider_is_reached_when_its_certificate_is_trusted(tls_server, client, monkeypatch):
    server, cert_path = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # the system's trust store, as operators extend it

    reply = await client.post(server.url("/hook", "https"), content=b"{}")

    assert reply.status_code == 200 and len(server.received) == 1


async def test_an_https_provider_with_an_untrusted_certificate_is_refused(tls_server, client):
    server, _cert_path = tls_server

    with pytest.raises(DeliveryFailed) as failure:
        await client.post(server.url("/hook", "https"), content=b"{}")

    assert failure.value.outcome.value == "retryable" and "CERTIFICATE_VERIFY_FAILED" in failure.value.reason
    assert server.received == []


async def test_with_tracing_on_a_post_is_a_client_span_whose_context_goes_out_as_traceparent(scripted, client):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, StatusCode

    from shared import tracing

    await client.post(scripted.url("/hook"), content=b"{}")  # tracing off: no header
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.install(provider)
    try:
        with tracing.active_span("deliver webhook") as attempt:
            await client.post(scripted.url("/hook?key=secret"), content=b"{}")
            scripted.reply(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n")
            with pytest.raises(DeliveryFailed):
                await client.post(scripted.url("/hook"), content=b"{}")
    finally:
        tracing.install(None)

    sent = [next((line for line in exchange.head if line.lower().startswith("traceparent:")), None)
            for exchange in scripted.received]
    assert sent[0] is None
    posted, failed = [span for span in spans.get_finished_spans() if span.kind is SpanKind.CLIENT]
    assert sent[1] == f"traceparent: {tracing.headers_of(posted.context)[0]}"
    assert posted.parent.span_id == attempt.get_span_context().span_id
    assert posted.attributes["http.response.status_code"] == 200
    assert posted.attributes["server.address"] == "localhost"
    assert "secret" not in repr(dict(posted.attributes))  # the URL (a robot's key may be in it) is not recorded
    assert failed.status.status_code is StatusCode.ERROR and failed.attributes["http.response.status_code"] == 503
