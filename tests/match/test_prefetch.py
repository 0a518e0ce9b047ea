"""Prefetching the table's column arrays on two cores gives the arrays made on demand."""

from __future__ import annotations

import numpy as np
import pytest

from crmhub.match import MatchEngine
from crmhub.match import prefetch as prefetch_module
from crmhub.match import table as table_module
from crmhub.match.blocking import block_pairs
from crmhub.match.comparisons import compare_pairs

from .conftest import TEST_SETTINGS
from .population import Population


def test_prefetched_arrays_equal_the_ones_made_on_demand(
    population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prefetch_module, "PREFETCH_FROM", 0)
    fetched, lazy = MatchEngine(TEST_SETTINGS), MatchEngine(TEST_SETTINGS)
    fetched.add(population.records)
    lazy.add(population.records)
    prefetch_module.prefetch(fetched.table, fetched.families, fetched.comparisons)
    keys = fetched.table.cached_keys()
    assert any(k[0] == "codes" for k in keys) and any(k[0] == "prefix_codes" for k in keys)
    # fill the lazy table's cache on demand, as blocking and comparing do without prefetch
    left, right, _ = block_pairs(lazy.table, lazy.families, TEST_SETTINGS.key_cap)
    # a full run's batch: big enough to use table-wide arrays rather than its own values
    assert left.size >= table_module.LOCAL_BELOW * len(lazy.table)
    compare_pairs(lazy.table, left, right, lazy.comparisons)
    assert set(keys) <= set(lazy.table.cached_keys())
    for key in keys:
        assert np.array_equal(
            fetched.table.cached(key, lambda: None), lazy.table.cached(key, lambda: None)
        ), key


def test_adopting_an_array_of_other_rows_is_refused(population: Population) -> None:
    engine = MatchEngine(TEST_SETTINGS)
    engine.add(population.records)
    with pytest.raises(ValueError, match="rows"):
        engine.table.adopt_cached({("codes", ("x",)): np.zeros((1, 3), np.int32)})
