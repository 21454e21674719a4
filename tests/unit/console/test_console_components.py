"""The console's Vitest component tests (services/console/web/tests: the countdown badge, the applicant
validators, the timeline's labels) pass: `npm test`, run as a test so `make test` (which installs the app's
node_modules first) reports them beside the rest."""

import os
import shutil
import subprocess

from shared.settings import REPO_ROOT

WEB = REPO_ROOT / "services" / "console" / "web"


def test_the_console_component_tests_pass() -> None:
    npm = shutil.which("npm")
    assert npm, "Node.js 20 and npm are needed (docs/console.md)"
    assert (WEB / "node_modules" / ".bin" / "vitest").exists(), "run `make test` or `npm ci` in services/console/web"
    done = subprocess.run([npm, "test", "--silent"], cwd=WEB, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CI": "true", "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
