"""Matching collects garbage less often, and leaves the thresholds as it found them."""

from __future__ import annotations

import gc

from crmhub.match.gc_pacing import YOUNG_THRESHOLD, fewer_collections


def test_the_young_threshold_is_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_collections():
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(10**6, 10, 10)
        with fewer_collections():
            assert gc.get_threshold()[0] == 10**6  # never lowered
    finally:
        gc.set_threshold(*before)
