"""Comparing and weighing many pairs on two cores: the second half of the pairs in a forked
child.

Levels and weights are computed pair by pair (``compare_pairs`` already works in chunks), so
splitting the pairs anywhere gives the same level matrix and the same weights. A first small
chunk is compared here before the fork, so the table's value codes and name lengths are
computed once and the child inherits them instead of computing them again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crmhub.match.background import Background
from crmhub.match.comparisons import Comparison, compare_pairs
from crmhub.match.scoring import Scorer
from crmhub.match.table import RecordTable

#: Below this many pairs a fork costs more than it saves.
SPLIT_FROM = 200_000
#: Pairs compared before the fork, to fill the table's caches.
WARM_UP = 2_000


def compare_pairs_split(
    table: RecordTable,
    left: np.ndarray,
    right: np.ndarray,
    comparisons: Sequence[Comparison],
) -> np.ndarray:
    """The level matrix of :func:`compare_pairs`, the second half computed in a child process
    when there are many pairs (and forking is safe, see :class:`Background`)."""
    if left.size < SPLIT_FROM:
        return compare_pairs(table, left, right, comparisons)
    warm = compare_pairs(table, left[:WARM_UP], right[:WARM_UP], comparisons)
    half = (left.size + WARM_UP) // 2
    second = Background(compare_pairs, table, left[half:], right[half:], comparisons)
    first = compare_pairs(table, left[WARM_UP:half], right[WARM_UP:half], comparisons)
    return np.concatenate([warm, first, second.result()])


def weigh_split(
    scorer: Scorer, table: RecordTable, left: np.ndarray, gamma: np.ndarray
) -> np.ndarray:
    """:meth:`Scorer.weigh`, the second half computed in a child process when there are many
    pairs."""
    if left.size < SPLIT_FROM:
        return scorer.weigh(table, left, gamma)
    half = left.size // 2
    second = Background(scorer.weigh, table, left[half:], gamma[half:])
    first = scorer.weigh(table, left[:half], gamma[:half])
    return np.concatenate([first, second.result()])
