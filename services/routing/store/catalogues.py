"""The catalogues in force: versioned in the database, seeded from the district data files, cached by version.

The district packs (shared/districts/packs/<district>/) seed version N of a district the first time
it is used; from then on every change goes through the API and becomes version N+1, N+2, … in the
``catalogue_version`` table, so every routing instance sharing the database routes by the same version.
The routing policy (problem kinds, thresholds, returns, out-of-scope rules) stays as the pack says.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing import store
from services.routing.domain.catalogue import Catalogue
from services.routing.domain.errors import NotFound
from services.routing.domain.loader import District, build_district, load_districts
from services.routing.domain.router import Router


@dataclass(frozen=True, slots=True)
class InForce:
    """A district's catalogue version in force, with its policy and a router compiled for it."""

    district: District
    router: Router

    @property
    def catalogue(self) -> Catalogue:
        return self.district.catalogue

    @property
    def version(self) -> int:
        return self.district.catalogue.version


class Catalogues:
    def __init__(self, packs_dir: Path | None = None) -> None:
        self._files = load_districts(packs_dir)
        self._cache: dict[str, InForce] = {}

    async def current(self, session: AsyncSession, *, district: str) -> InForce:
        """The version in force; one query per transaction keeps every instance on the newest version."""
        remembered = session.info.get(("catalogue", district))
        if remembered is not None:
            return remembered
        files = self._seed(district)
        version = await store.latest_catalogue_version(session, district=district)
        if version is None:
            version = await self._store_seed(session, files)
        cached = self._cache.get(district)
        if cached is None or cached.version != version:
            cached = self._cache[district] = await self._compile(session, files, district, version)
        session.info[("catalogue", district)] = cached
        return cached

    async def _compile(self, session: AsyncSession, files: District, district: str, version: int) -> InForce:
        row = await store.catalogue_version(session, district=district, version=version)
        assert row is not None  # the max version exists by definition
        catalogue = Catalogue.model_validate(row.document)
        compiled = build_district(catalogue=catalogue, policy=files.policy)
        return InForce(district=compiled, router=Router([compiled]))

    async def change(self, session: AsyncSession, *, district: str, edit: Callable[[Catalogue], Catalogue],
                     change: str, changed_by: str) -> InForce:
        """Apply ``edit`` to the version in force and store the result as the next version.

        Two concurrent changes both aim at the same next version; the primary key lets one win and the
        other fail with IntegrityError (the caller answers 409), so no change is silently lost.
        """
        current = await self.current(session, district=district)
        edited = edit(current.catalogue)
        build_district(catalogue=edited, policy=current.district.policy)  # the policy must still resolve
        session.add(store.CatalogueVersion(district=district, version=edited.version,
                                           document=edited.model_dump(mode="json"), change=change,
                                           changed_by=changed_by))
        await session.flush()
        session.info.pop(("catalogue", district), None)
        return await self.current(session, district=district)

    def _seed(self, district: str) -> District:
        try:
            return self._files[district]
        except KeyError:
            raise NotFound(en=f"unknown district {district!r}", zh=f"未配置辖区 {district}") from None

    async def _store_seed(self, session: AsyncSession, files: District) -> int:
        catalogue = files.catalogue
        # ON CONFLICT DO NOTHING: another instance may seed the same version at the same moment.
        insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        await session.exec(insert(store.CatalogueVersion).values(
            district=catalogue.district, version=catalogue.version, document=catalogue.model_dump(mode="json"),
            change="seeded from the data files", changed_by="routing", created_at=datetime.now(UTC),
        ).on_conflict_do_nothing())
        return catalogue.version
