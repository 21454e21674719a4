"""A started service leaves the objects it built to start out of the garbage collector's full passes."""

import gc

from shared.runtime import freeze_startup_objects


def test_objects_built_before_the_start_are_left_out_of_collections_and_later_ones_are_not() -> None:
    built_to_start: list[object] = []
    threshold = gc.get_threshold()
    try:
        freeze_startup_objects()
        built_later: list[object] = []
        tracked = gc.get_objects()
        assert gc.get_freeze_count() > 0
        assert not any(candidate is built_to_start for candidate in tracked)
        assert any(candidate is built_later for candidate in tracked)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
