"""Bilingual message templates with strict rendering: an unknown or missing variable is an error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from string import Formatter

import yaml
from pydantic import ValidationError, model_validator

from shared.clock import local_minute

from .model import ChannelName, Frozen, TemplateValue
from .rules import ConfigError

ROBOT_CHANNELS = frozenset({ChannelName.wecom, ChannelName.dingtalk})


class TemplateError(ValueError):
    """Rendering failed; `variable` names the culprit so the failure reason can say it."""

    def __init__(self, *, template: str, problem: str, variable: str | None = None) -> None:
        where = f" variable {variable!r}" if variable is not None else ""
        super().__init__(f"template {template!r}: {problem}{where}")
        self.template = template
        self.variable = variable
        self.problem = problem


class TemplateVariable(Frozen):
    description: str
    example: TemplateValue


class Template(Frozen):
    subject: str
    text: str  # Chinese first, then English
    sms: str | None = None  # shorter text for SMS; `text` when absent
    markdown: str | None = None  # for group robots; `text` when absent


class Rendered(Frozen):
    subject: str
    text: str
    markdown: str | None = None


class TemplateBook(Frozen):
    variables: dict[str, TemplateVariable]
    templates: dict[str, Template]

    @model_validator(mode="after")
    def _only_declared_variables(self) -> TemplateBook:
        for name, template in self.templates.items():
            for part in _parts(template):
                for field in _fields(name, part):
                    if field not in self.variables:
                        raise TemplateError(template=name, variable=field, problem="unknown")
        return self


def load_templates(path: Path) -> TemplateBook:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TemplateBook.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ConfigError(f"{path}: {error}") from error


def render(
    book: TemplateBook, name: str, *, channel: ChannelName, variables: Mapping[str, TemplateValue]
) -> Rendered:
    """Render template `name` for `channel`; raises TemplateError (unknown template or variable)."""
    template = book.templates.get(name)
    if template is None:
        raise TemplateError(template=name, problem="no such template")
    values = {key: _format_value(name, key, value) for key, value in variables.items()}

    def fill(text: str) -> str:
        for field in _fields(name, text):
            if field not in book.variables:
                raise TemplateError(template=name, variable=field, problem="unknown")
            if field not in values:
                raise TemplateError(template=name, variable=field, problem="missing")
        return text.format_map(values).strip()

    body = template.sms if channel is ChannelName.sms and template.sms else template.text
    markdown = template.markdown if channel in ROBOT_CHANNELS else None
    return Rendered(
        subject=fill(template.subject),
        text=fill(body),
        markdown=fill(markdown) if markdown else None,
    )


def preview(
    book: TemplateBook,
    name: str,
    *,
    channel: ChannelName = ChannelName.email,
    variables: Mapping[str, TemplateValue] | None = None,
) -> Rendered:
    """Render with the declared examples, overridden by `variables`: what staff see before saving."""
    examples: dict[str, TemplateValue] = {k: v.example for k, v in book.variables.items()}
    return render(book, name, channel=channel, variables={**examples, **(variables or {})})


def _parts(template: Template) -> list[str]:
    return [p for p in (template.subject, template.text, template.sms, template.markdown) if p]


@lru_cache(maxsize=1024)
def _fields(template: str, text: str) -> tuple[str, ...]:
    """Names of `{field}`s; attribute access, indexing, conversions and format specs are refused.
    Remembered per text: every render checks its template's fields."""
    fields = []
    for _, field, spec, conversion in Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise TemplateError(template=template, variable=field, problem="malformed")
        fields.append(field)
    return tuple(fields)


def _format_value(template: str, key: str, value: TemplateValue) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TemplateError(template=template, variable=key, problem="naive datetime in")
        return local_minute(value)
    return str(value)


def required_variables(book: TemplateBook, name: str) -> set[str]:
    """The variables template `name` uses: what a handler must put in the context's variables."""
    template = book.templates.get(name)
    if template is None:
        raise TemplateError(template=name, problem="no such template")
    return {field for part in _parts(template) for field in _fields(name, part)}
