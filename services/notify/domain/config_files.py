"""Where notify's configuration lives: templates here, rules in the district packs; loaded together,
the rules are checked against the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.districts import PackInvalid, load_packs

from .rules import ConfigError, RuleBook
from .templates import TemplateBook, load_templates

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    templates: TemplateBook
    rules: RuleBook


def load_notify_config(data_dir: Path = DATA_DIR, packs_dir: Path | None = None) -> NotifyConfig:
    """`templates.yaml` under `data_dir` and the district packs' rules; raises ConfigError on any fault."""
    templates = load_templates(data_dir / "templates.yaml")
    try:
        packs = load_packs(packs_dir)
    except PackInvalid as invalid:
        raise ConfigError(str(invalid)) from invalid
    rules = RuleBook(packs.values(), known_templates=templates.templates.keys())
    return NotifyConfig(templates=templates, rules=rules)
