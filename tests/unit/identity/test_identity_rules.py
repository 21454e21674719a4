"""The identification rules of MLPS 2.0 level 3 (等保三级), as pure decisions."""

from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.passwords import hash_password, policy_problems, verify_password
from services.identity.domain.roles import PRIVILEGED_ROLES, needs_second_factor
from services.identity.domain.sessions import Lockout, Timeouts

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("password", "why"), [
    ("Ab1#", "must be at least 8 characters"),
    ("abcdefgh1", "at least three of"),
    ("ABCDEFGH#", "at least three of"),
    ("Clerk.Demo#2026", "must not contain the username"),
])
def test_a_password_off_policy_is_refused_naming_the_field_in_both_languages(password: str, why: str) -> None:
    problems = policy_problems(password, username="clerk.demo")
    assert any(why in problem.en for problem in problems)
    assert all(problem.field == "password" and problem.zh for problem in problems)


@pytest.mark.parametrize("password", ["Window#Desk2026", "abcdefg#1", "ABCDEFG12x", "密码很长Ab123"])
def test_three_of_four_classes_and_eight_characters_pass(password: str) -> None:
    assert policy_problems(password, username="clerk.demo") == []


def test_passwords_are_argon2id_hashes() -> None:
    hashed = hash_password("Window#Desk2026")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Window#Desk2026") and not verify_password(hashed, "Window#Desk2027")


def test_the_privileged_roles_need_a_second_factor() -> None:
    assert {"district_admin", "system_admin", "security_admin", "audit_admin", "supervisor"} == PRIVILEGED_ROLES
    assert not needs_second_factor("window_clerk") and needs_second_factor("supervisor")


def test_the_fifth_consecutive_failure_locks_for_the_duration() -> None:
    lockout = Lockout(threshold=5, duration=timedelta(minutes=15))
    assert lockout.after_failure(failures=4, now=NOW) is None
    until = lockout.after_failure(failures=5, now=NOW)
    assert until == NOW + timedelta(minutes=15)
    assert lockout.locked(locked_until=until, now=NOW + timedelta(minutes=14))
    assert not lockout.locked(locked_until=until, now=until)


def test_a_session_ends_when_idle_or_at_its_absolute_end() -> None:
    timeouts = Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    assert not timeouts.expired(started_at=NOW, last_seen_at=NOW, now=NOW + timedelta(minutes=29))
    assert timeouts.expired(started_at=NOW, last_seen_at=NOW, now=NOW + timedelta(minutes=30))
    busy = NOW + timedelta(hours=7, minutes=59)
    assert timeouts.expired(started_at=NOW, last_seen_at=busy, now=NOW + timedelta(hours=8))
    assert timeouts.ends_at(started_at=NOW, last_seen_at=busy) == NOW + timedelta(hours=8)
