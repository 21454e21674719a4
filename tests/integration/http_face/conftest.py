"""The five services as real processes (SQLite) on a broker of their own, for the tests of their HTTP face.

Not the session's broker: the generated requests register and forward hundreds of cases, whose events
would reach every later test that counts what its fresh service consumed from the shared topics."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.auth.principal import PERSON_ROLES
from shared.dev.stack import Stack
from tests.issuer import TokenIssuer


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer) -> Iterator[Stack]:
    var: Path = tmp_path_factory.mktemp("http-face")
    running = Stack(
        var_dir=var,
        issuer=issuer.url,
        extra_env={
            "BANCHENG_AUDIT_SIGNING_KEY_PATH": str(var / "audit-key.pem"),
            "BANCHENG_AUDIT_RETIRED_KEYS_DIR": str(var / "audit-retired-keys"),
        },
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def auth_headers(issuer: TokenIssuer) -> dict[str, str]:
    """A bearer token of every person's role in the demo district's FT hall and market department, so
    generated requests get past authorization to the routes' own validation."""
    return issuer.headers(*sorted(PERSON_ROLES), district="demo", hall="FT", department="market")
