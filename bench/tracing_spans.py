"""A case's spans in one process, without the services: the CPU that tracing adds per case, where it goes.

Per simulated case: the `POST /cases` SERVER span, a relay pass of 10 records (`tracing.send_spans`), 20
consumer spans (`tracing.consuming`), exported by the configured OTLP/HTTP exporter through the batch
processor to `tests/otlp_receiver.py` in a process of its own, a case every 2 ms. Prints the CPU of this
process per case (both threads: the spans' start and end on the caller's, encoding and sending on the
processor's) for tracing off, for spans recorded but dropped by a null exporter, and for spans exported.
Asserts nothing.

    .venv/bin/python bench/tracing_spans.py --cases 3000
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

from shared import tracing
from shared.dev.broker import free_port
from shared.envelope import Envelope
from shared.events.case import CaseRegistered
from shared.settings import REPO_ROOT


class Record:
    """What the consumer span reads of a Kafka record."""

    def __init__(self, topic: str, key: bytes) -> None:
        self.topic, self.key = topic, key


class Dropped(SpanExporter):
    def export(self, spans: object) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def one_case(number: int, template: Envelope) -> None:
    """The spans of one case: the request, a relay pass of its events, the consumers applying them."""
    if tracing.enabled():
        with tracing.active_span("POST /cases", kind=SpanKind.SERVER, attributes={
            "http.request.method": "POST", "url.path": "/cases", "url.scheme": "http",
        }):
            context = tracing.current()
    else:
        context = None
    case_id = f"case-{number}"
    cause = template.model_copy(update={"case_id": case_id, "traceparent": context[0] if context else None})
    headers = [["ce_id", str(cause.id)], ["ce_type", cause.type]] + ([["traceparent", context[0]]] if context else [])
    rows = [(n, "bancheng.case.events", case_id.encode(), b"{}", headers, None) for n in range(10)]
    if tracing.enabled():
        spans, _headers = tracing.send_spans(rows)
        tracing.end_all(spans)
    record = Record("bancheng.case.events", case_id.encode())
    for _ in range(20):
        with tracing.consuming(cause, record, group="routing"):
            pass


def run(mode: str, cases: int, endpoint: str) -> float:
    """CPU µs per case of this process with tracing `mode` (off, dropped, exported)."""
    if mode == "exported":
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint  # the exporter reads it there
        tracing.configure("bench")
    elif mode == "dropped":
        provider = TracerProvider(resource=tracing.resource("bench"))
        provider.add_span_processor(BatchSpanProcessor(Dropped(), **tracing.batching({})))
        tracing.install(provider)
    template = Envelope.wrap(
        CaseRegistered(case_number="N-1", hall="H1", channel="walk_in", problem_kind="missing_materials",
                       description="x", applicant_kind="person", applicant_masked="x"),
        source="intake", case_id="case-0", district="demo", actor="staff:7", hall="H1")
    started = time.process_time()
    for number in range(cases):
        one_case(number, template)
        time.sleep(0.002)  # paced, as cases arrive (a flood would overrun the processor's queue); no CPU
    tracing.shutdown()  # what is still queued is exported, and counted
    return (time.process_time() - started) * 1e6 / cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000)
    args = parser.parse_args()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "tests.otlp_receiver", "--port", str(port)], cwd=REPO_ROOT)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/count", timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for mode in ("off", "dropped", "exported"):
            cost = run(mode, args.cases, endpoint)
            print(f"tracing {mode:9}: {cost:7.0f} µs CPU per case", flush=True)
        with urllib.request.urlopen(f"{endpoint}/count", timeout=5) as reply:
            spans = json.loads(reply.read())["spans"]
        print(f"spans received: {spans:,} ({spans / args.cases:.1f} a case); load average {os.getloadavg()[0]:.2f}")
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    main()
