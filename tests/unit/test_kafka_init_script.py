"""deploy/kafka/init.sh (the compose `kafka-init` one-shot) run against stand-in Kafka tools that record
their arguments: it creates every SCRAM user, every fixed topic and exactly the ACLs of acls.txt, and
refuses to go on without a department's password."""

import os
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from shared.kafka_acls import Acl, department_codes
from shared.settings import REPO_ROOT
from shared.topics import SERVICE_PRINCIPALS

SCRIPT = REPO_ROOT / "deploy" / "kafka" / "init.sh"
ACLS_FILE = REPO_ROOT / "deploy" / "kafka" / "acls.txt"
ACLS = [Acl.parse(line) for line in ACLS_FILE.read_text().splitlines()]
CODES = department_codes(REPO_ROOT / "shared" / "districts" / "packs" / "demo" / "catalogue.yaml")
TOOLS = ("kafka-broker-api-versions.sh", "kafka-configs.sh", "kafka-topics.sh", "kafka-acls.sh")


def password(user: str) -> str:
    return "P" + "".join(c for c in user.title() if c.isalnum()) + "0123456789abcdef"


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    for tool in TOOLS:
        path = tmp_path / tool
        path.write_text(f'#!/bin/bash\nprintf "%q " {tool} "$@" >> {tmp_path}/calls\necho >> {tmp_path}/calls\n')
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def run(tools: Path, departments: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    passwords = tools / "department-passwords"
    passwords.write_text("".join(f"{code} {secret}\n" for code, secret in departments.items()))
    env = {
        "PATH": os.environ["PATH"], "KAFKA_INIT_BIN": str(tools), "KAFKA_INIT_ACLS": str(ACLS_FILE),
        "KAFKA_INIT_DEPARTMENT_PASSWORDS": str(passwords),
        "KAFKA_INIT_PARTITIONS": "12", "KAFKA_INIT_REPLICATION_FACTOR": "3",
        **{f"KAFKA_PASSWORD_{service.upper()}": password(service) for service in SERVICE_PRINCIPALS},
    }
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)
    calls = tools / "calls"
    return done, [shlex.split(line) for line in calls.read_text().splitlines()] if calls.exists() else []


def option(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


def test_creates_every_user_topic_and_exactly_the_acls_of_the_file(tools: Path) -> None:
    done, calls = run(tools, {code: password(f"dept-{code}") for code in CODES})
    assert done.returncode == 0, done.stderr
    users = {option(c, "--entity-name"): option(c, "--add-config") for c in calls if c[0] == "kafka-configs.sh"}
    expected_users = [*SERVICE_PRINCIPALS, *(f"dept-{code}" for code in CODES)]
    assert users == {user: f"SCRAM-SHA-512=[iterations=8192,password={password(user)}]" for user in expected_users}
    topics = [c for c in calls if c[0] == "kafka-topics.sh"]
    assert {option(c, "--topic") for c in topics} == {
        a.name for a in ACLS if a.resource == "topic" and a.pattern == "literal"
    }
    assert all((option(c, "--partitions"), option(c, "--replication-factor")) == ("12", "3") for c in topics)
    assert all("--if-not-exists" in c for c in topics)
    applied = [
        Acl(option(c, "--allow-principal").removeprefix("User:"), option(c, "--operation"),
            "topic" if "--topic" in c else "group", option(c, "--resource-pattern-type"),
            option(c, "--topic" if "--topic" in c else "--group"))
        for c in calls if c[0] == "kafka-acls.sh"
    ]
    assert applied == ACLS


def test_a_department_without_a_password_stops_the_init_before_any_acl(tools: Path) -> None:
    done, calls = run(tools, {code: password(f"dept-{code}") for code in CODES if code != "market"})
    assert done.returncode != 0
    assert "no password for department market" in done.stderr
    assert not [c for c in calls if c[0] == "kafka-acls.sh"]


def test_a_password_scram_syntax_cannot_carry_is_refused(tools: Path) -> None:
    done, calls = run(tools, {code: "short,pw]" if code == "tax" else password(f"dept-{code}") for code in CODES})
    assert done.returncode != 0
    assert "password of dept-tax must be 16+ letters or digits" in done.stderr
    assert not [c for c in calls if c[0] == "kafka-configs.sh" and option(c, "--entity-name") == "dept-tax"]
