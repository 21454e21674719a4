"""The notify process as a whole: what its runtime does beyond consuming and dispatching."""

import gc

from services.notify.app import build_runtime


async def test_started_notify_freezes_its_startup_objects_out_of_the_collectors_full_passes(
    notify_settings, start_runtime
):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    await start_runtime(build_runtime(notify_settings))

    assert gc.get_freeze_count() > 10_000  # modules, models and compiled statements, not a handful
