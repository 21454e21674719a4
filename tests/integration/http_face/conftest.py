"""The five services as real processes on the session's broker (SQLite), for the tests of their HTTP face."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.auth.principal import PERSON_ROLES
from shared.devbroker import DevBroker
from shared.devstack import SERVICES, Stack
from tests.issuer import TokenIssuer


@pytest.fixture(scope="package")
def stack(broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var: Path = tmp_path_factory.mktemp("http-face")
    running = Stack(var_dir=var, broker_port=broker.port,
                    extra_env={"BANCHENG_AUDIT_SIGNING_KEY_PATH": str(var / "audit-key.pem"), "BANCHENG_LOG_LEVEL": "WARNING"})
    running.broker = broker  # the session's broker: started already, so Stack does not start another
    try:
        for name in SERVICES:
            running.start_service(name, wait=False)
        for name in SERVICES:
            running.wait_ready(name)
        yield running
    finally:
        for name in SERVICES:
            running.stop_service(name)  # never running.stop(): the broker belongs to the session


@pytest.fixture
def auth_headers(issuer: TokenIssuer) -> dict[str, str]:
    """A bearer token of every person's role in the demo district's FT hall and market department, so
    generated requests get past authorization to the routes' own validation."""
    return issuer.headers(*sorted(PERSON_ROLES), district="demo", hall="FT", department="market")
