"""Load a district's data files (departments.yaml, matters.yaml, policy.yaml) into typed models."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from .catalogue import Catalogue
from .errors import CatalogueInvalid
from .policy import RoutingPolicy

M = TypeVar("M", Catalogue, RoutingPolicy)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "districts"


@dataclass(frozen=True, slots=True, kw_only=True)
class District:
    """Everything routing knows about one district."""

    catalogue: Catalogue
    policy: RoutingPolicy

    @property
    def code(self) -> str:
        return self.catalogue.district


def build_district(*, catalogue: Catalogue, policy: RoutingPolicy) -> District:
    """Pair a catalogue with its policy after checking they agree."""
    policy.check_against(catalogue)
    return District(catalogue=catalogue, policy=policy)


def load_district(directory: Path) -> District:
    """Read and validate one district folder; CatalogueInvalid names the file and the problem."""
    departments = _read(directory / "departments.yaml")
    matters = _read(directory / "matters.yaml")
    if departments.get("district") != matters.get("district"):
        raise CatalogueInvalid(
            en=f"{directory}: departments.yaml and matters.yaml name different districts",
            zh=f"{directory}：departments.yaml 与 matters.yaml 的辖区不一致",
        )
    catalogue = _validate(Catalogue, directory / "matters.yaml", {
        "district": matters.get("district"),
        # The catalogue's version follows the newer of its two files.
        "version": max(departments.get("version", 0), matters.get("version", 0)),
        "departments": departments.get("departments"),
        "matters": matters.get("matters"),
    })
    policy = _validate(RoutingPolicy, directory / "policy.yaml", _read(directory / "policy.yaml"))
    return build_district(catalogue=catalogue, policy=policy)


def load_districts(root: Path = DATA_DIR) -> dict[str, District]:
    """Every district folder under ``root``, keyed by district code."""
    districts = [load_district(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]
    return {d.code: d for d in districts}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueInvalid(en=f"cannot read {path}: {exc}", zh=f"无法读取 {path}：{exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueInvalid(en=f"{path}: top level must be a mapping", zh=f"{path}：顶层必须是映射")
    return data


def _validate(model: type[M], path: Path, data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogueInvalid(en=f"{path}: {where}: {first['msg']}",
                               zh=f"{path}：{where} 不合法：{first['msg']}") from exc
    except CatalogueInvalid as exc:
        raise CatalogueInvalid(en=f"{path}: {exc.message_en}", zh=f"{path}：{exc.message_zh}") from exc
