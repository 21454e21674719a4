"""The search filter of the case read model, validated before any query runs.

FastAPI can take `CaseFilter` directly as a query model (`Annotated[CaseFilter, Query()]`), which turns
unknown or bad filters into 422 with field locations; `parse_case_filter` does the same for raw query
parameters and gives `FieldProblem`s for a 400 body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from services.audit.domain.case_facts import CardColour, CaseState

_NAME_FILTERS = ("hall", "district", "department", "channel", "kind", "matter")
_MULTI_VALUED = (*_NAME_FILTERS, "state", "card_colour")

Names = tuple[str, ...]


class CaseFilter(BaseModel):
    """Each multi-valued filter matches any of its values; filters combine with AND."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    hall: Names = ()
    district: Names = ()
    department: Names = ()
    channel: Names = ()
    kind: Names = ()
    matter: Names = ()
    state: tuple[CaseState, ...] = ()
    card_colour: tuple[CardColour, ...] = ()
    in_coordination: bool | None = Field(default=None, description="协调中: escalated to a coordinator")
    received_from: AwareDatetime | None = Field(default=None, description="inclusive")
    received_to: AwareDatetime | None = Field(default=None, description="exclusive")
    text: str | None = Field(default=None, min_length=1, max_length=200, description="full-text query")

    @field_validator(*_NAME_FILTERS)
    @classmethod
    def _no_blank_names(cls, values: Names) -> Names:
        if any(not value for value in values):
            raise ValueError("values must not be blank")
        return values

    @field_validator("received_to")
    @classmethod
    def _range_not_reversed(cls, received_to: AwareDatetime | None, info: ValidationInfo) -> AwareDatetime | None:
        received_from = info.data.get("received_from")
        if received_to is not None and received_from is not None and received_to <= received_from:
            raise ValueError("received_to must be later than received_from")
        return received_to


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str
    zh: str = "取值无效"


_ZH_BY_TYPE = {"extra_forbidden": "未知的筛选条件", "value_error": "取值无效",
               "datetime_parsing": "时间格式不正确,应为 ISO 8601",
               "datetime_from_date_parsing": "时间格式不正确,应为 ISO 8601", "timezone_aware": "时间须带时区",
               "enum": "取值不在可选范围内", "literal_error": "取值不在可选范围内"}

_ZH_BY_MESSAGE = {"received_to must be later than received_from": "received_to 须晚于 received_from"}


class InvalidFilterError(ValueError):
    """Carries one problem per offending field, for a 4xx response body."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def parse_case_filter(params: Mapping[str, str | Sequence[str]]) -> CaseFilter:
    """From query parameters (a value or a list per name). Raises InvalidFilterError."""
    data: dict[str, object] = {}
    problems: list[FieldProblem] = []
    for name, raw in params.items():
        values = [raw] if isinstance(raw, str) else list(raw)
        if name in _MULTI_VALUED:
            data[name] = tuple(values)
        elif len(values) == 1:
            data[name] = values[0]
        else:
            problems.append(FieldProblem(name, "give this filter once", "该筛选条件只能给出一次"))
    try:
        parsed = CaseFilter.model_validate(data)
    except ValidationError as error:
        problems += [
            FieldProblem(
                str(e["loc"][0]) if e["loc"] else "(filter)",
                "unknown filter" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, "),
                _ZH_BY_MESSAGE.get(e["msg"].removeprefix("Value error, ")) or _ZH_BY_TYPE.get(e["type"], "取值无效"),
            )
            for e in error.errors()
        ]
    if problems:
        raise InvalidFilterError(problems)
    return parsed
