"""The sort-based uniques give exactly what np.unique gives."""

from __future__ import annotations

import numpy as np

from crmhub.match.arrays import unique_ints, unique_ints_index_counts, unique_ints_inverse


def test_uniques_equal_numpy() -> None:
    values = np.random.default_rng(5).integers(-50, 50, 2_000)
    assert (unique_ints(values) == np.unique(values)).all()
    expected = np.unique(values, return_index=True, return_counts=True)
    for got, want in zip(unique_ints_index_counts(values), expected):
        assert (got == want).all()
    distinct, inverse = unique_ints_inverse(values)
    assert (distinct[inverse] == values).all()
    assert (inverse == np.unique(values, return_inverse=True)[1]).all()


def test_empty_input() -> None:
    empty = np.empty(0, np.int64)
    assert unique_ints(empty).size == 0
    assert all(part.size == 0 for part in unique_ints_index_counts(empty))
