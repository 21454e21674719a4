import json
from datetime import UTC, datetime

import pytest

from services.audit.domain.case_bundle import BundleError, ProofRun, build_case_bundle, verify_case_bundle
from services.audit.domain.checkpoints import sign_checkpoint
from services.audit.domain.signing import generate_signing_key

AT = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    return generate_signing_key()


@pytest.fixture
def log(build_chain, key):
    """Two partitions; case-1 has entries 2, 5, 8 in partition 0 and 11 in partition 1."""
    p0 = build_chain(12, partition=0, case_of=lambda i: "case-1" if i + 1 in (2, 5, 8) else f"other-{i}")
    p1 = build_chain(12, partition=1, case_of=lambda i: "case-1" if i + 1 == 11 else f"other-{i}")
    runs = [
        ProofRun(entries=p0[1:10], checkpoint=sign_checkpoint(head=p0[9].head, private_key=key, signed_at=AT)),
        ProofRun(entries=p1[10:12], checkpoint=sign_checkpoint(head=p1[11].head, private_key=key, signed_at=AT)),
    ]
    return runs


def exported(log, key):
    bundle = build_case_bundle(case_id="case-1", runs=log, private_key=key, exported_at=AT)
    return json.loads(json.dumps(bundle, ensure_ascii=False))  # as an auditor receives it


def test_case_bundle_proves_every_entry_of_the_case_and_hides_other_cases(log, key):
    bundle = exported(log, key)
    report = verify_case_bundle(bundle, public_key=key.public_key())
    assert report.ok, report.problems
    assert [(e.partition, e.sequence) for e in report.entries] == [(0, 2), (0, 5), (0, 8), (1, 11)]
    assert "other-" not in json.dumps(bundle)


def test_edited_entry_in_a_bundle_is_named(log, key):
    bundle = exported(log, key)
    bundle["segments"][0]["links"][3]["entry"]["payload"]["description"] = "已办结"
    report = verify_case_bundle(bundle, public_key=key.public_key())
    assert "bundle signature does not verify with this key" in report.problems
    assert any("#5 (event evt-0-5): altered" in problem for problem in report.problems)


def test_bundle_dropping_a_foreign_link_no_longer_reaches_the_checkpoint(log, key):
    bundle = exported(log, key)
    del bundle["segments"][0]["links"][2]
    problems = verify_case_bundle(bundle, public_key=key.public_key()).problems
    assert any("does not reach the head signed at #10" in problem for problem in problems)


def test_bundle_checked_with_another_key_fails(log, key):
    report = verify_case_bundle(exported(log, key), public_key=generate_signing_key().public_key())
    assert not report.ok and "bundle signature does not verify with this key" in report.problems


def test_malformed_bundle_is_reported_not_raised(key):
    assert not verify_case_bundle({"format": "bancheng-audit-case-bundle/1"}, public_key=key.public_key()).ok
    assert not verify_case_bundle({"format": "x"}, public_key=key.public_key()).ok


def test_export_refuses_a_run_that_does_not_end_at_its_checkpoint(log, key):
    run = log[0]
    short = ProofRun(entries=run.entries[:-1], checkpoint=run.checkpoint)
    with pytest.raises(BundleError):
        build_case_bundle(case_id="case-1", runs=[short], private_key=key, exported_at=AT)


def test_export_refuses_a_run_not_starting_with_the_case(log, key):
    run = log[0]
    with pytest.raises(BundleError):
        build_case_bundle(case_id="case-1", runs=[ProofRun(entries=run.entries[1:], checkpoint=run.checkpoint)],
                          private_key=key, exported_at=AT)
