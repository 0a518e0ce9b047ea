"""Sort-based uniques of integer arrays.

``np.unique`` of numpy 2.4 groups integers by hashing, which measured 25x slower than
sorting on the 8M pair codes of a 1M-record run; these helpers give the same results.
"""

from __future__ import annotations

import numpy as np


def unique_ints(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (as ``np.unique``)."""
    ordered = np.sort(values)
    return ordered[_starts(ordered)]


def unique_ints_index_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct values, index of each one's first occurrence, counts), as ``np.unique``
    with ``return_index`` and ``return_counts``."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(_starts(ordered))
    counts = np.diff(np.r_[starts, ordered.size])
    return ordered[starts], order[starts], counts


def unique_ints_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, position of each value among them), as ``np.unique`` with
    ``return_inverse``."""
    distinct = unique_ints(values)
    return distinct, np.searchsorted(distinct, values)


def _starts(ordered: np.ndarray) -> np.ndarray:
    mask = np.empty(ordered.size, dtype=bool)
    if ordered.size:
        mask[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=mask[1:])
    return mask
