"""Schema migrations (Alembic): one environment in shared/alembic, each service's versions in its folder.

A service applies its migrations on start; `python -m services.<name> migrate` applies them alone and
`python -m services.<name> revision "message"` autogenerates the next one from its tables.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from alembic.config import Config

ENVIRONMENT = Path(__file__).parent / "alembic"


def _config(database_url: str, versions_dir: Path, metadata: MetaData | None = None) -> "Config":
    # Alembic is imported when migrating (in the start's worker thread), not before the server listens.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    config.attributes["target_metadata"] = metadata
    return config


def upgrade(database_url: str, versions_dir: Path) -> None:
    from alembic import command

    command.upgrade(_config(database_url, versions_dir), "head")


def revision(database_url: str, versions_dir: Path, metadata: MetaData, message: str) -> None:
    from alembic import command

    command.revision(_config(database_url, versions_dir, metadata), message=message, autogenerate=True)
