"""The notify process as a whole: what its runtime does beyond consuming and dispatching."""

import gc

import pytest
from sqlalchemy import text

from shared.runtime import YOUNG_GENERATION
from services.notify.app import build_runtime


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


async def test_started_notify_freezes_its_startup_objects_and_collects_its_young_generation_less_often(
    notify_settings, start_runtime, collector_restored
):
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)

    await start_runtime(build_runtime(notify_settings))

    assert gc.get_freeze_count() > 10_000  # modules, models and compiled statements, not a handful
    assert gc.get_threshold() == (YOUNG_GENERATION, 10, 10)


async def test_notify_commits_to_sqlite_with_full_synchronous_durability(notify_settings, start_runtime):
    runtime = await start_runtime(build_runtime(notify_settings))

    async with runtime.engine.connect() as connection:
        assert await connection.scalar(text("PRAGMA synchronous")) == 2  # FULL: synced before a commit returns
