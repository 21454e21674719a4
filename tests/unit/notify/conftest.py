"""Real local endpoints for channel tests: an HTTP receiver and an SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from services.notify.domain.config_files import NotifyConfig, load_notify_config
from tests.unit.notify.packs import notify_test_packs


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> NotifyConfig:
    return load_notify_config(packs_dir=notify_test_packs(tmp_path_factory.mktemp("notify") / "packs"))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"errcode":0,"errmsg":"ok"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Only for a request whose body holds this (a case number): a consumer group joining the suite's broker
    # late reads earlier tests' events, whose deliveries must not take a reply scripted for this test's case.
    when_body_has: bytes | None = None


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class HttpReceiver:
    """Records every POST; replies from a per-path script, then with the default reply."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._script: dict[str, deque[Reply]] = defaultdict(deque)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                route = self.path.split("?")[0]
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                reply = receiver._next_reply(route, body)
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first: that is what timeout tests want

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        self.requests.clear()
        self._script.clear()

    def script(self, path: str, *replies: Reply) -> None:
        self._script[path].extend(replies)

    def _next_reply(self, route: str, body: bytes) -> Reply:
        script = self._script[route]
        for reply in script:
            if reply.when_body_has is None or reply.when_body_has in body:
                script.remove(reply)
                return reply
        return Reply()

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def _running_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def http_receiver(_running_receiver: HttpReceiver) -> HttpReceiver:
    _running_receiver.reset()
    return _running_receiver


class MailSink:
    """An aiosmtpd handler: keeps what it accepts; refuses recipients by their local part."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address.startswith("refused@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[int, MailSink]]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, sink
    controller.stop()
