"""District configuration: channels, problem kinds, complexity tiers, green channel, halls.

Each district runs its window its own way (Shenzhen sorts problems into 3 kinds, Hongkou into 4,
Zhongshan by where the matter got blocked), so all of it is data: intake's part of each district pack
(`shared/districts`), read into the typed, frozen models below and checked once at load.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.districts import DistrictPack, load_packs

from .case_number import HALL_PREFIX_PATTERN
from .errors import FieldProblem, InvalidInput

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]


class Channel(StrEnum):
    walk_in = "walk_in"  # 窗口来访
    phone = "phone"  # 电话预约
    letter = "letter"  # 来信
    web = "web"  # 网站 / 移动端
    terminal = "terminal"  # 自助终端
    hotline_12345 = "hotline_12345"  # 12345 政务服务便民热线
    open311 = "open311"


class ComplexityTier(StrEnum):
    simple = "simple"  # 简单
    general = "general"  # 一般
    complex = "complex"  # 复杂


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProblemKind(_Config):
    code: Code
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    consultation: bool = False  # counted apart from cases (咨询 vs 办件, as Chengzhong does)
    green_channel: bool = False  # the kind itself means urgent (Shenzhen's 特事特办)


class MatterRef(_Config):
    """A matter (事项) of the district's catalogue, as intake checks a registration against it."""

    code: Code
    name_zh: str = Field(min_length=1)


class Hall(_Config):
    prefix: Annotated[str, Field(pattern=rf"^{HALL_PREFIX_PATTERN}$")]  # case-number prefix
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    address_zh: str = Field(min_length=1)
    contact_phone: str = Field(min_length=1)  # printed on the tracking card


def _duplicates(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in values:
        (repeated if value in seen else seen).add(value)
    return repeated


class District(_Config):
    code: Code
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    channels: tuple[Channel, ...] = Field(min_length=1)
    complexity_tiers: tuple[ComplexityTier, ...] = tuple(ComplexityTier)
    green_channel: bool = True  # whether staff may put a case on the green channel (绿色通道)
    problem_kinds: tuple[ProblemKind, ...] = Field(min_length=1)
    halls: tuple[Hall, ...] = Field(min_length=1)
    matters: tuple[MatterRef, ...] = ()  # the catalogue routing serves; empty: any code is taken

    @model_validator(mode="after")
    def _consistent(self) -> District:
        for label, values in (
            ("channels", self.channels),
            ("complexity_tiers", self.complexity_tiers),
            ("problem kind codes", (k.code for k in self.problem_kinds)),
        ):
            if dup := _duplicates(values):
                raise ValueError(f"district {self.code}: duplicate {label} {sorted(dup)}")
        if not self.green_channel and any(k.green_channel for k in self.problem_kinds):
            raise ValueError(f"district {self.code}: a green-channel kind needs green_channel")
        return self

    def problem_kind(self, code: str, *, field: str = "problem_kind") -> ProblemKind:
        """The configured kind, or `InvalidInput` listing this district's kinds."""
        for kind in self.problem_kinds:
            if kind.code == code:
                return kind
        codes = ", ".join(k.code for k in self.problem_kinds)
        names = "、".join(k.name_zh for k in self.problem_kinds)
        raise InvalidInput.single(
            field=field,
            zh=f"问题类型 {code!r} 不在{self.name_zh}的配置中,可选:{names}",
            en=f"problem kind {code!r} is not configured for {self.name_en}; one of: {codes}",
        )


class DistrictCatalogue(_Config):
    districts: tuple[District, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> DistrictCatalogue:
        if dup := _duplicates(d.code for d in self.districts):
            raise ValueError(f"duplicate district codes {sorted(dup)}")
        if dup := _duplicates(h.prefix for d in self.districts for h in d.halls):
            raise ValueError(f"hall prefixes used twice {sorted(dup)}")
        return self

    def district(self, code: str, *, field: str = "district") -> District:
        for district in self.districts:
            if district.code == code:
                return district
        raise InvalidInput.single(
            field=field, zh=f"未配置的区县 {code!r}", en=f"unknown district {code!r}"
        )

    def hall(self, prefix: str, *, field: str = "hall") -> tuple[Hall, District]:
        """The hall with this case-number prefix and the district it belongs to."""
        for district in self.districts:
            for hall in district.halls:
                if hall.prefix == prefix:
                    return hall, district
        raise InvalidInput.single(
            field=field, zh=f"未配置的政务服务大厅 {prefix!r}", en=f"unknown hall {prefix!r}"
        )


def parse_district_catalogue(data: Any) -> DistrictCatalogue:
    """Validate already-parsed YAML/JSON data; raises pydantic's ValidationError."""
    return DistrictCatalogue.model_validate(data)


def intake_part(pack: DistrictPack) -> dict[str, Any]:
    """What intake reads of a district pack: names, channels, tiers, green channel, kinds, halls."""
    return {
        "code": pack.code, "name_zh": pack.name_zh, "name_en": pack.name_en,
        "channels": [c.value for c in pack.channels],
        "complexity_tiers": [t.value for t in pack.complexity_tiers],
        "green_channel": pack.green_channel.enabled,
        "problem_kinds": [{"code": k.code, "name_zh": k.name_zh, "name_en": k.name_en,
                           "consultation": k.consultation, "green_channel": k.green_channel}
                          for k in pack.problem_kinds],
        "matters": [{"code": m.code, "name_zh": m.name_zh} for m in pack.matters],
        "halls": [{"prefix": h.code, "name_zh": h.name_zh, "name_en": h.name_en, "address_zh": h.address_zh,
                   "contact_phone": h.contact_phone} for h in pack.halls],
    }


def load_district_catalogue(root: Path | None = None) -> DistrictCatalogue:
    """Intake's part of every district pack under `root` (default: the packs every service reads)."""
    return parse_district_catalogue({"districts": [intake_part(p) for p in load_packs(root).values()]})


@dataclass(frozen=True, kw_only=True)
class Classification:
    """A case's channel, kind, tier and green-channel flag, each checked against its district."""

    channel: Channel
    problem_kind: ProblemKind | None
    complexity_tier: ComplexityTier | None
    green_channel: bool


def classify_case(
    *, district: District, channel: Channel, problem_kind: str | None = None,
    complexity_tier: ComplexityTier | None = None, green_channel_requested: bool = False,
    matter_code: str | None = None,
) -> Classification:
    """Check the choices against `district` and raise `InvalidInput` with every problem.

    Kind and tier may still be unknown at registration (classification follows acceptance).
    The green channel applies when staff request it or when the kind implies it."""
    problems: list[FieldProblem] = []
    if channel not in district.channels:
        problems.append(FieldProblem(
            field="channel", zh=f"{district.name_zh}未开通该受理渠道:{channel}",
            en=f"channel {channel} is not open in {district.name_en}",
        ))
    kind = None
    if problem_kind is not None:
        try:
            kind = district.problem_kind(problem_kind)
        except InvalidInput as error:
            problems.extend(error.problems)
    if complexity_tier is not None and complexity_tier not in district.complexity_tiers:
        problems.append(FieldProblem(
            field="complexity_tier",
            zh=f"{district.name_zh}不使用复杂程度「{complexity_tier}」",
            en=f"{district.name_en} does not use the complexity tier {complexity_tier}; "
            f"one of: {', '.join(district.complexity_tiers)}",
        ))
    if matter_code is not None and district.matters and matter_code not in {m.code for m in district.matters}:
        problems.append(FieldProblem(
            field="matter_code", zh=f"事项 {matter_code!r} 不在{district.name_zh}的事项目录中",
            en=f"matter {matter_code!r} is not in the catalogue of {district.name_en}",
        ))
    if green_channel_requested and not district.green_channel:
        problems.append(FieldProblem(
            field="green_channel", zh=f"{district.name_zh}未开设绿色通道",
            en=f"{district.name_en} has no green channel",
        ))
    if problems:
        raise InvalidInput(*problems)
    return Classification(
        channel=channel, problem_kind=kind, complexity_tier=complexity_tier,
        green_channel=green_channel_requested or (kind is not None and kind.green_channel),
    )
