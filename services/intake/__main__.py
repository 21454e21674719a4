import sys

from shared.cli import main
from services.intake.app import build_runtime

if sys.argv[1:2] == ["open311-key"]:  # intake's own command (cli.py); the rest is every service's (shared/cli.py)
    from services.intake import cli

    cli.open311_key(build_runtime(), sys.argv[2:])
elif sys.argv[1:2] == ["attachments-orphans"]:
    from services.intake import cli

    cli.attachments_orphans(build_runtime(), sys.argv[2:])
else:
    main(build_runtime)
