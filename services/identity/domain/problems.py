"""A refusal naming the field, in Chinese and English (the shape every Bancheng 4xx carries)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "zh": self.zh, "en": self.en}

    def line(self) -> str:
        return f"{self.field}: {self.zh} / {self.en}"


class Refused(ValueError):
    """Bad input: every problem names its field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(problem.line() for problem in problems))
        self.problems = problems
