"""The linter and the type checker pass: `ruff check` over the repository, `mypy` (strict) over shared/, both as
pyproject.toml configures them.

Run as tests rather than as Makefile steps before pytest: `make test`, CI's `.ci/run` and a developer's
`pytest tests/unit` all run them the same way, a finding is reported beside the suite's other failures (with
the tools' own output) instead of stopping the run before any test, and `-k` selects or skips them as it
does any test.
"""

import subprocess
import sys

from shared.settings import REPO_ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ruff_finds_nothing_to_report() -> None:
    done = run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_shared_is_strictly_typed() -> None:
    done = run("mypy")  # the packages and the strictness are pyproject.toml's
    assert done.returncode == 0, done.stdout + done.stderr
