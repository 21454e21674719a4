"""Errors the domain raises, each carrying a message in Chinese (zh-CN) and English.

Two families, so the HTTP layer can map them once:
- `InvalidInput` (→ 422): one or more fields are wrong; each `FieldProblem` names its field.
- `DomainConflict` (→ 409): the request is well-formed but the case's current state forbids it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class FieldProblem:
    """What is wrong with one field, e.g. field="applicant.id_number"."""

    field: str
    zh: str
    en: str


class InvalidInput(ValueError):
    """Input that can never be accepted as given; `problems` lists every bad field found."""

    def __init__(self, *problems: FieldProblem) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        self.problems: tuple[FieldProblem, ...] = problems
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in problems))

    @classmethod
    def single(cls, *, field: str, zh: str, en: str) -> InvalidInput:
        return cls(FieldProblem(field=field, zh=zh, en=en))


class DomainConflict(Exception):
    """A well-formed request the current state does not allow."""

    def __init__(self, *, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(en)
