"""The district packs routing routes by, each version compiled once, and the one way a pack changes.

Routing owns pack changes (docs/districts.md, "At run time"): `publish` validates a whole pack as every
service will read it, stores it as the district's next version in ``district_pack_version`` (the primary
key lets one of two concurrent publishers win) and stages ``district.pack_published`` on the compacted
packs topic. Every routing instance, this one included, applies it from there (`Catalogues.apply`), as
intake, sla, notify and audit do; a case is routed with the version it was registered under.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consuming import Unit
from shared.districts import DistrictPack, PackInvalid, load_packs, pack_problems_of
from shared.districts.checks import packs_problems
from shared.districts.live import PackParts
from shared.events.district import DistrictPackPublished, district_subject
from shared.topics import DISTRICT_PACKS
from services.routing import store
from services.routing.domain.catalogue import Catalogue
from services.routing.domain.errors import CatalogueInvalid, NotFound, PackRejected, VersionMismatch
from services.routing.domain.loader import District, routing_part
from services.routing.domain.router import Router


@dataclass(frozen=True, slots=True)
class InForce:
    """A version of a district's pack, with routing's part of it and a router compiled for it."""

    pack: DistrictPack
    district: District
    router: Router

    @property
    def catalogue(self) -> Catalogue:
        return self.district.catalogue

    @property
    def version(self) -> int:
        return self.pack.version


def compile_pack(pack: DistrictPack) -> InForce:
    district = routing_part(pack)
    return InForce(pack=pack, district=district, router=Router([district]))


class Catalogues:
    """Every district's versions routing has read: the shipped packs at start, then each published one."""

    def __init__(self, packs_dir: Path | None = None) -> None:
        try:
            self._parts = PackParts(compile_pack, load_packs(packs_dir).values())
        except PackInvalid as invalid:
            first = invalid.problems[0]
            raise CatalogueInvalid(en=f"district pack invalid: {first}", zh=f"辖区配置包不合法：{first}") from invalid

    def apply(self, pack: DistrictPack) -> None:
        self._parts.apply(pack)

    def current(self, district: str) -> InForce:
        """The newest version: what a new case is routed by."""
        return self.at(district, None)

    def at(self, district: str, version: int | None) -> InForce:
        """The version a case was registered under (the newest if it has none, or one no longer known)."""
        try:
            return self._parts.at(district, version)
        except KeyError:
            raise NotFound(en=f"unknown district {district!r}", zh=f"未配置辖区 {district}") from None

    def known(self, district: str) -> bool:
        return district in self._parts

    def packs(self) -> list[DistrictPack]:
        return [self._parts[code].pack for code in self._parts]


async def publish(unit: Unit, *, catalogues: Catalogues, district: str, document: dict[str, Any],
                  expected_version: int | None, change: str, actor: str) -> DistrictPack:
    """Validate ``document`` as a whole (its fields, its references, routing's part of it, its halls against the
    other districts'), store it as the next version and stage its publication; nothing on any problem.

    ``expected_version`` (the request's If-Match) must be the version in force, or VersionMismatch."""
    in_force = await newest_version(unit.session, catalogues=catalogues, district=district)
    if expected_version is not None and expected_version != in_force:
        raise VersionMismatch(en=f"district {district} is at version {in_force}, not {expected_version}",
                              zh=f"辖区 {district} 的配置包当前为第 {in_force} 版，不是第 {expected_version} 版")
    version = in_force + 1
    pack, problems = pack_problems_of({**document, "version": version})
    if pack is not None and pack.code != district:
        problems.append(("code", f"{pack.code!r} differs from the path's district {district!r}"))
    if pack is not None and not problems:
        others = [other for other in catalogues.packs() if other.code != district]
        own = f"{district}: "
        for problem in packs_problems([*others, pack]):
            if problem.startswith(own):  # a hall code another district already numbers its cases with
                path, _, text = problem.removeprefix(own).partition(": ")
                problems.append((path, text))
    if pack is not None and not problems:
        try:
            compile_pack(pack)
        except Exception as error:  # noqa: BLE001 - whatever routing's own models refuse is the pack's problem
            problems.append(("(root)", f"routing cannot use it: {error}"))
    if problems or pack is None:
        raise PackRejected(problems)
    unit.session.add(store.DistrictPackVersion(district=district, version=version,
                                               document=pack.model_dump(mode="json"), change=change, changed_by=actor))
    await unit.session.flush()  # a concurrent publisher of the same version fails here (IntegrityError → 409)
    await unit.emit(DistrictPackPublished(district=district, pack_version=version, pack=pack.model_dump(mode="json"),
                                          change=change),
                    topic=DISTRICT_PACKS, case_id=district_subject(district), district=district, actor=actor)
    return pack


async def newest_version(session: AsyncSession, *, catalogues: Catalogues, district: str) -> int:
    """The newest version stored or read (0 for a district not yet created)."""
    stored = await store.latest_pack_version(session, district=district) or 0
    read = catalogues.current(district).version if catalogues.known(district) else 0
    return max(stored, read)
