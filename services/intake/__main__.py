import sys

from shared.cli import main
from services.intake.app import build_runtime

if sys.argv[1:2] == ["open311-key"]:  # intake's own command; the rest is every service's (shared/cli.py)
    from services.intake.open311 import keys

    keys.main(build_runtime(), sys.argv[2:])
else:
    main(build_runtime)
