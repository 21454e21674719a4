"""The department directory and the matter catalogue (事项目录) of one district, as typed models.

Department codes are ASCII and stable because topic names are built from them.
"""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.districts import DISTRICT_CODE_PATTERN

from .errors import CatalogueInvalid, NotFound

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
# District codes take hyphens (``shenzhen-shahe``), as every pack does (shared/districts).
DistrictCode = Annotated[str, StringConstraints(pattern=DISTRICT_CODE_PATTERN, max_length=40)]


class Tier(StrEnum):
    """Complexity tier; sla maps it to a deadline per district policy."""

    simple = "simple"  # 简单
    general = "general"  # 一般
    complex = "complex"  # 复杂

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_RANK = {Tier.simple: 0, Tier.general: 1, Tier.complex: 2}


class DepartmentRole(StrEnum):
    functional = "functional"  # 职能部门
    coordinator = "coordinator"  # 协调机构 (政管办 / 政务服务数据管理局)


class Level(StrEnum):
    district = "district"
    city = "city"


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Department(FrozenModel):
    code: Code
    name: str = Field(min_length=1, description="Chinese name, e.g. 市场监管局")
    role: DepartmentRole = DepartmentRole.functional
    level: Level = Level.district
    aliases: tuple[str, ...] = Field(default=(), description="words by which a text mentions it")


class Matter(FrozenModel):
    """A matter (事项) the hall handles, with who leads and who typically assists."""

    code: Code
    name: str = Field(min_length=1)
    lead: Code
    assisting: tuple[Code, ...] = ()
    tier: Tier
    keywords: tuple[str, ...] = Field(min_length=1)


class Catalogue(FrozenModel):
    """Departments and matters of one district; ``version`` increases with every change."""

    district: DistrictCode
    version: int = Field(ge=1)
    departments: tuple[Department, ...]
    matters: tuple[Matter, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        dept_codes = [d.code for d in self.departments]
        _require_unique(dept_codes, what="department", zh="部门")
        _require_unique([m.code for m in self.matters], what="matter", zh="事项")
        known = set(dept_codes)
        for matter in self.matters:
            for ref in (matter.lead, *matter.assisting):
                if ref not in known:
                    raise CatalogueInvalid(
                        en=f"matter {matter.code!r} references unknown department {ref!r}",
                        zh=f"事项 {matter.code}（{matter.name}）引用了未知部门 {ref}",
                    )
            if matter.lead in matter.assisting:
                raise CatalogueInvalid(
                    en=f"matter {matter.code!r} lists its lead {matter.lead!r} as assisting",
                    zh=f"事项 {matter.code} 的主办部门 {matter.lead} 不能同时是协办部门",
                )
        return self

    def department(self, code: str) -> Department:
        """The department with ``code``; NotFound if the directory has none."""
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise NotFound(en=f"unknown department {code!r} in district {self.district!r}",
                       zh=f"辖区 {self.district} 没有部门 {code}")

    def matter(self, code: str) -> Matter:
        """The matter with ``code``; NotFound if the catalogue has none."""
        for matter in self.matters:
            if matter.code == code:
                return matter
        raise NotFound(en=f"unknown matter {code!r} in district {self.district!r}",
                       zh=f"辖区 {self.district} 的事项目录中没有事项 {code}")

    def coordinator(self, level: Level) -> Department:
        """The coordinating body at ``level`` (escalation target)."""
        for dept in self.departments:
            if dept.role is DepartmentRole.coordinator and dept.level is level:
                return dept
        raise NotFound(en=f"district {self.district!r} has no {level.value} coordinator",
                       zh=f"辖区 {self.district} 未配置{_LEVEL_ZH[level]}协调机构")

    def with_department(self, department: Department) -> "Catalogue":
        """A new catalogue version with ``department`` added or replaced (adding needs no code change)."""
        others = tuple(d for d in self.departments if d.code != department.code)
        return Catalogue(district=self.district, version=self.version + 1,
                         departments=(*others, department), matters=self.matters)

    def with_matter(self, matter: Matter) -> "Catalogue":
        """A new catalogue version with ``matter`` added or replaced; validated like a loaded file."""
        others = tuple(m for m in self.matters if m.code != matter.code)
        return Catalogue(district=self.district, version=self.version + 1,
                         departments=self.departments, matters=(*others, matter))


_LEVEL_ZH = {Level.district: "区级", Level.city: "市级"}


def _require_unique(codes: list[str], *, what: str, zh: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise CatalogueInvalid(en=f"duplicate {what} code {code!r}", zh=f"{zh}编码 {code} 重复")
        seen.add(code)
