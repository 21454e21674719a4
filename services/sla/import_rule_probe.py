"""A deliberate breach of the import rules, to show tests/unit/test_import_rules.py fails on it (reverted next)."""

from services.intake.domain.clock import local_date

__all__ = ["local_date"]
