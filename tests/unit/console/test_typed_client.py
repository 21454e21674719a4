"""The console's typed API client is generated from the services' OpenAPI documents (`make docs`): the committed
types must be the ones the services declare now, so a changed route fails here, not in a person's browser."""

from pathlib import Path

from services.openapi import SERVICES, TYPES, generate


def test_the_committed_client_types_are_generated_from_the_current_api_documents(tmp_path: Path) -> None:
    fresh = {path.name: path.read_text() for path in generate(into=tmp_path)}
    assert sorted(fresh) == sorted(f"{service}.ts" for service in SERVICES)
    stale = [name for name, text in fresh.items() if (TYPES / name).read_text() != text]
    assert not stale, f"regenerate with `make docs`: {stale} differ from their services' OpenAPI documents"
