"""The console's typed API client: every service's OpenAPI document turned into TypeScript types by
openapi-typescript, into services/console/web/src/client/types/<service>.ts, which `src/client/index.ts` types its
openapi-fetch clients with.

    python -m services.openapi            (or `make docs`)

Like services/asyncapi.py, it builds each service's app (nothing is started) and belongs to no service; the
types are committed, and tests/unit/console/test_typed_client.py fails when they are not the current ones.
"""

import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from shared.settings import REPO_ROOT

SERVICES = ("identity", "intake", "routing", "sla", "notify", "audit")
WEB = REPO_ROOT / "services" / "console" / "web"
TYPES = WEB / "src" / "client" / "types"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def openapi_document(service: str) -> dict:
    runtime = importlib.import_module(f"services.{service}.app").build_runtime()
    try:
        return runtime.app().openapi()
    finally:
        runtime.engine.sync_engine.dispose()


def generate(into: Path = TYPES) -> list[Path]:
    """Write `<service>.ts` for every service into `into`; returns the files written."""
    into.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for service in SERVICES:
            source = Path(scratch) / f"{service}.json"
            source.write_text(json.dumps(openapi_document(service), ensure_ascii=False))
            target = into / f"{service}.ts"
            subprocess.run([str(GENERATOR), str(source), "--output", str(target), "--alphabetize"], check=True,
                           capture_output=True, cwd=WEB)
            written.append(target)
    return written


if __name__ == "__main__":
    if not GENERATOR.exists():
        sys.exit(f"{GENERATOR} is missing: run `npm ci` in {WEB} (make does)")
    for path in generate():
        print(path.relative_to(REPO_ROOT))
