"""`python -m services.audit [serve|migrate|…]` (shared/cli.py), and `python -m services.audit tools …`: the
auditor's commands (cli.py)."""

import sys

from shared.cli import main
from services.audit import cli
from services.audit.app import build_runtime

if sys.argv[1:2] == ["tools"]:
    cli.main(sys.argv[2:])
else:
    main(build_runtime)
