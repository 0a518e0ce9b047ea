"""Comparing pairs with the second half in a child gives the level matrix of one process."""

from __future__ import annotations

import numpy as np
import pytest

from crmhub.match import FellegiSunterModel, MatchEngine, split_compare
from crmhub.match.comparisons import COMPARISONS, compare_pairs
from crmhub.match.table import RecordTable

from .conftest import TEST_SETTINGS
from .population import Population


@pytest.mark.parametrize("split_from", [10, 10**9])
def test_split_comparison_equals_one_process(
    population: Population, split_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(split_compare, "SPLIT_FROM", split_from)
    monkeypatch.setattr(split_compare, "WARM_UP", 7)
    table = RecordTable()
    table.upsert(population.records)
    rng = np.random.default_rng(4)
    left = rng.integers(0, len(table), 5_001)
    right = rng.integers(0, len(table), 5_001)
    comparisons = list(COMPARISONS.values())
    expected = compare_pairs(table, left, right, comparisons)
    got = split_compare.compare_pairs_split(table, left, right, comparisons)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("split_from", [10, 10**9])
def test_split_weights_equal_one_process(
    population: Population,
    fitted_model: FellegiSunterModel,
    split_from: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(split_compare, "SPLIT_FROM", split_from)
    engine = MatchEngine(TEST_SETTINGS, model=fitted_model)
    engine.add(population.records)
    left, _, gamma, _ = engine.candidates()
    expected = engine.scorer.weigh(engine.table, left, gamma)
    got = split_compare.weigh_split(engine.scorer, engine.table, left, gamma)
    assert np.array_equal(got, expected)
