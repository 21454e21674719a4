"""The districts intake serves: their packs (`shared/districts`, one schema checked once at load) found by code
or by a hall's case-number prefix, and the checks a registration's choices pass against its district.

Each district runs its window its own way (Shenzhen sorts problems into 3 kinds, Hongkou into 4,
Zhongshan by where the matter got blocked), so all of it is data: the pack's channels, complexity tiers,
green channel (绿色通道), problem kinds, halls and matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.districts import DistrictPack, load_packs
from shared.districts.schema import Channel, ComplexityTier, Hall, ProblemKind

from .errors import FieldProblem, InvalidInput


class DistrictCatalogue:
    """Every district intake serves, found by its code or by the case-number prefix (code) of one of its halls."""

    def __init__(self, districts: Iterable[DistrictPack]) -> None:
        self.districts = tuple(districts)
        self._by_code = {district.code: district for district in self.districts}
        self._by_hall = {hall.code: (hall, district) for district in self.districts for hall in district.halls}

    def with_pack(self, pack: DistrictPack) -> DistrictCatalogue:
        """The catalogue with `pack` as its district's version in force (a new district added): built whole,
        then swapped in by the caller, so a registration sees the old catalogue or the new one."""
        return DistrictCatalogue([*(d for d in self.districts if d.code != pack.code), pack])

    def district(self, code: str, *, field: str = "district") -> DistrictPack:
        if (district := self._by_code.get(code)) is None:
            raise InvalidInput.single(field=field, zh=f"未配置的区县 {code!r}", en=f"unknown district {code!r}")
        return district

    def hall(self, prefix: str, *, field: str = "hall") -> tuple[Hall, DistrictPack]:
        """The hall with this case-number prefix and the district it belongs to."""
        if (found := self._by_hall.get(prefix)) is None:
            raise InvalidInput.single(field=field, zh=f"未配置的政务服务大厅 {prefix!r}", en=f"unknown hall {prefix!r}")
        return found


def load_district_catalogue(root: Path | None = None) -> DistrictCatalogue:
    """Every district pack under `root` (default: the packs every service reads)."""
    return DistrictCatalogue(load_packs(root).values())


def problem_kind_of(district: DistrictPack, code: str, *, field: str = "problem_kind") -> ProblemKind:
    """The district's kind `code`, or `InvalidInput` listing its kinds."""
    if (kind := district.kind(code)) is not None:
        return kind
    codes = ", ".join(k.code for k in district.problem_kinds)
    names = "、".join(k.name_zh for k in district.problem_kinds)
    raise InvalidInput.single(
        field=field,
        zh=f"问题类型 {code!r} 不在{district.name_zh}的配置中,可选:{names}",
        en=f"problem kind {code!r} is not configured for {district.name_en}; one of: {codes}",
    )


@dataclass(frozen=True, kw_only=True)
class Classification:
    """A case's channel, kind, tier and green-channel flag, each checked against its district."""

    channel: Channel
    problem_kind: ProblemKind | None
    complexity_tier: ComplexityTier | None
    green_channel: bool


def classify_case(
    *, district: DistrictPack, channel: Channel, problem_kind: str | None = None,
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
            kind = problem_kind_of(district, problem_kind)
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
    if green_channel_requested and not district.green_channel.enabled:
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
