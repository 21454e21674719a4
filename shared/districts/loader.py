"""Read district packs: one folder per district, one YAML file per part, validated as a whole.

```
shared/districts/packs/<code>/
  district.yaml     code, names, channels, complexity tiers, green channel, halls, problem kinds
  catalogue.yaml    departments (with their contacts) and matters
  routing.yaml      thresholds, returns, escalation, out-of-scope referrals
  sla.yaml          tiers in working days, office hours, warnings, red card
  notify.yaml       notification rules, quiet hours, district supervisor
  assessment.yaml   the 12345 assessment's card deductions
```
``BANCHENG_DISTRICTS_DIR`` points every service at another folder of packs (tests, a deployment's own).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .checks import pack_problems, packs_problems
from .schema import DistrictPack

# libyaml's parser where PyYAML was built with it: every service reads every pack at its start, and the
# pure-Python parser took most of that start's CPU.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PACKS_DIR = Path(__file__).resolve().parent / "packs"
PART_FILES = ("district", "catalogue", "routing", "sla", "notify", "assessment")
# Where each top-level field of the pack is written: errors name the file.
_FILE_OF = {"departments": "catalogue", "matters": "catalogue", "routing": "routing", "sla": "sla",
            "notify": "notify", "assessment": "assessment"}


class PackInvalid(ValueError):
    """A pack that cannot be used; ``problems`` are lines ``file: path: problem``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def packs_dir() -> Path:
    """The folder of packs every service reads: ``BANCHENG_DISTRICTS_DIR`` or the shipped one."""
    configured = os.environ.get("BANCHENG_DISTRICTS_DIR")
    return Path(configured) if configured else PACKS_DIR


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _file_of(path: str) -> str:
    head = path.split(".", 1)[0].split("[", 1)[0]
    return f"{_FILE_OF.get(head, 'district')}.yaml"


def read_pack_data(folder: Path) -> dict[str, Any]:
    """The pack's files merged into one mapping; PackInvalid if a file is missing or not YAML."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    for part in PART_FILES:
        path = folder / f"{part}.yaml"
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except OSError as error:
            problems.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        except yaml.YAMLError as error:
            problems.append(f"{path}: not YAML: {error}")
            continue
        if part == "district":
            if not isinstance(loaded, dict):
                problems.append(f"{path}: the top level must be a mapping")
                continue
            data.update(loaded)
        elif part == "catalogue":
            if not isinstance(loaded, dict):
                problems.append(f"{path}: the top level must be a mapping of departments and matters")
                continue
            data.update(loaded)
        else:
            data[part] = loaded
    if problems:
        raise PackInvalid(problems)
    return data


def pack_problems_of(data: dict[str, Any]) -> tuple[DistrictPack | None, list[tuple[str, str]]]:
    """Validate merged pack data as a whole: the pack, or every problem as (field path, problem)."""
    try:
        pack = DistrictPack.model_validate(data)
    except ValidationError as error:
        return None, [(_location(e["loc"]), e["msg"]) for e in error.errors()]
    return pack, [_split(problem) for problem in pack_problems(pack)]


def _split(problem: str) -> tuple[str, str]:
    path, _, text = problem.partition(": ")
    return path, text


def parse_pack(data: dict[str, Any], *, where: str = "") -> DistrictPack:
    """Validate merged pack data: fields, then references; PackInvalid lists every problem."""
    prefix = f"{where}/" if where else ""
    pack, problems = pack_problems_of(data)
    if problems or pack is None:
        raise PackInvalid([f"{prefix}{_file_of(path)}: {path}: {text}" for path, text in problems])
    return pack


def load_pack(folder: Path) -> DistrictPack:
    """One district folder, read and validated; the folder's name must be the pack's code."""
    pack = parse_pack(read_pack_data(folder), where=str(folder))
    if pack.code != folder.name:
        raise PackInvalid([f"{folder}/district.yaml: code: {pack.code!r} differs from the folder's name"])
    return pack


def load_packs(root: Path | None = None) -> dict[str, DistrictPack]:
    """Every pack under ``root`` (default: ``packs_dir()``), keyed by code; PackInvalid lists every problem."""
    root = root or packs_dir()
    folders = sorted(f for f in root.iterdir() if f.is_dir() and not f.name.startswith((".", "_")))
    packs: list[DistrictPack] = []
    problems: list[str] = []
    for folder in folders:
        try:
            packs.append(load_pack(folder))
        except PackInvalid as invalid:
            problems.extend(invalid.problems)
    problems.extend(packs_problems(packs))
    if not packs and not problems:
        problems.append(f"{root}: no district packs")
    if problems:
        raise PackInvalid(problems)
    return {p.code: p for p in packs}

