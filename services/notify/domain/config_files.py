"""Where notify's data files live; loading them together checks the rules against the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .rules import RuleBook, load_rule_book
from .templates import TemplateBook, load_templates

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    templates: TemplateBook
    rules: RuleBook


def load_notify_config(data_dir: Path = DATA_DIR) -> NotifyConfig:
    """`templates.yaml` and `districts/*.yaml` under `data_dir`; raises ConfigError on any fault."""
    templates = load_templates(data_dir / "templates.yaml")
    rules = load_rule_book(data_dir / "districts", known_templates=templates.templates.keys())
    return NotifyConfig(templates=templates, rules=rules)
