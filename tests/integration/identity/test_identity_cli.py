"""The operator's commands: people, clients and the demo seed; bad input is one line naming the field."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared.settings import REPO_ROOT
from services.identity.demo import demo_data


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "BANCHENG_IDENTITY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}",
                   "BANCHENG_IDENTITY_ENVIRONMENT": "test", **env}
    return subprocess.run([sys.executable, "-m", "services.identity", *args], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("identity-cli")
    first = cli(path, "seed-demo")
    assert first.returncode == 0, first.stderr
    again = cli(path, "seed-demo")  # idempotent
    assert again.returncode == 0, again.stderr
    return path


def test_a_password_off_policy_is_refused_in_one_line_naming_the_field(seeded: Path) -> None:
    result = cli(seeded, "add-user", "--username", "wang.fang", "--name", "王芳", "--role", "window_clerk",
                 "--district", "demo", "--hall", "DEMO", "--password", "wang.fangabc")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "password: 密码须包含" in lines[0] and "at least three of" in lines[0]
    assert "密码不得包含用户名" in lines[0] and "must not contain the username" in lines[0]


def test_a_hall_role_needs_a_known_hall(seeded: Path) -> None:
    result = cli(seeded, "add-user", "--username", "li.na", "--name", "李娜", "--role", "window_clerk",
                 "--district", "demo", "--hall", "NOWHERE", "--password", "Window#Desk2026")
    assert result.returncode != 0 and "hall:" in result.stderr and "no hall NOWHERE" in result.stderr


def test_a_privileged_person_is_given_a_totp_secret(seeded: Path) -> None:
    result = cli(seeded, "add-user", "--username", "zhao.lei", "--name", "赵磊", "--role", "security_admin",
                 "--district", "demo", "--password", "Guard#Keys2026")
    assert result.returncode == 0, result.stderr
    assert "added zhao.lei (security_admin); TOTP secret " in result.stdout


def test_a_department_system_client_is_added_for_a_known_department(seeded: Path) -> None:
    added = cli(seeded, "add-client", "--client-id", "dept-tax-2", "--name", "税务局二号系统",
                "--secret", "a-long-enough-secret", "--grant-type", "client_credentials", "--role", "dept_system",
                "--district", "demo", "--department", "tax")
    assert added.returncode == 0, added.stderr
    refused = cli(seeded, "add-client", "--client-id", "dept-x", "--name", "x", "--secret", "a-long-enough-secret",
                  "--grant-type", "client_credentials", "--role", "dept_system", "--district", "demo",
                  "--department", "nope")
    assert refused.returncode != 0 and "department:" in refused.stderr


def test_the_demo_is_never_seeded_in_production(tmp_path: Path) -> None:
    result = cli(tmp_path, "seed-demo", BANCHENG_IDENTITY_ENVIRONMENT="production",
                 BANCHENG_IDENTITY_SIGNING_SECRET="a-real-secret", BANCHENG_IDENTITY_CONSOLE_CLIENT_SECRET="c" * 20,
                 BANCHENG_IDENTITY_HOTLINE12345_CLIENT_SECRET="h" * 20, BANCHENG_IDENTITY_DEPT_CLIENT_SECRET="d" * 20)
    assert result.returncode != 0 and "never seeded in production" in result.stderr


def test_demo_client_secrets_are_refused_at_their_defaults_in_production(tmp_path: Path) -> None:
    result = cli(tmp_path, "rotate-keys", BANCHENG_IDENTITY_ENVIRONMENT="production",
                 BANCHENG_IDENTITY_SIGNING_SECRET="a-real-secret")
    assert result.returncode != 0 and "console_client_secret must be set" in result.stderr


def test_the_demo_departments_are_the_demo_district_pack_s(seeded: Path) -> None:
    routing = yaml.safe_load((REPO_ROOT / "shared/districts/packs/demo/catalogue.yaml").read_text())
    assert [d["code"] for d in demo_data()["departments"]] == [d["code"] for d in routing["departments"]]


def test_an_operator_resets_a_password_and_a_second_factor(seeded: Path) -> None:
    reset = cli(seeded, "reset-user", "--username", "supervisor.demo", "--password", "Renewed#Watch2026", "--new-totp")
    assert reset.returncode == 0, reset.stderr
    assert "reset supervisor.demo; TOTP secret " in reset.stdout
    assert "SUPERVISORDEMOBANCHENGTOTPAAAAAA" not in reset.stdout
    unknown = cli(seeded, "reset-user", "--username", "nobody.here", "--new-totp")
    assert unknown.returncode != 0 and "username: 没有用户 nobody.here / no user nobody.here" in unknown.stderr
