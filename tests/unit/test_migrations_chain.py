"""Each service's migrations are one line of revisions: branches merged with a migration each on the same parent
leave two heads, and `upgrade head` then refuses to start the service."""

import pytest
from alembic.script import ScriptDirectory

from shared.migrations import _config
from shared.settings import REPO_ROOT

VERSIONS = sorted(path for path in (REPO_ROOT / "services").glob("*/migrations") if any(path.glob("*.py")))


@pytest.mark.parametrize("versions", VERSIONS, ids=[path.parent.name for path in VERSIONS])
def test_the_service_s_migrations_have_one_head_and_one_base(versions) -> None:
    script = ScriptDirectory.from_config(_config("sqlite://", versions))
    assert len(script.get_heads()) == 1, f"{versions}: heads {script.get_heads()}"
    assert len(script.get_bases()) == 1, f"{versions}: bases {script.get_bases()}"
