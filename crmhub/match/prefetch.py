"""Compute the table's per-column arrays (value codes, name lengths, prefix codes) on two
cores before a full run needs them.

Blocking and comparing read integer codes of about twenty columns; at 1M records making them
costs seconds of pure Python dictionary work per column, and every forked helper (the u
estimate, the second half of the comparisons) would otherwise make them again. Which arrays
are needed is found by running the families and comparisons on a two-row probe table; half
of them are computed in a forked child, half here, and the child's are adopted by the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crmhub.match.background import Background
from crmhub.match.blocking import KeyFamily, block_pairs
from crmhub.match.comparisons import Comparison, column_codes, compare_pairs, name_lengths
from crmhub.match.key_codes import prefix_codes
from crmhub.match.table import RecordTable

#: Below this many rows the arrays are made when first asked for.
PREFETCH_FROM = 100_000


def prefetch(
    table: RecordTable, families: Sequence[KeyFamily], comparisons: Sequence[Comparison]
) -> None:
    """Fill the table's cache with every array the families and comparisons will read."""
    if len(table) < PREFETCH_FROM:
        return
    known = set(table.cached_keys())
    keys = [k for k in _needed_keys(table, families, comparisons) if k not in known]
    ours, theirs = keys[0::2], keys[1::2]
    child = Background(_compute, table, theirs)
    _compute(table, ours)
    table.adopt_cached(child.result())


def _needed_keys(
    table: RecordTable, families: Sequence[KeyFamily], comparisons: Sequence[Comparison]
) -> list[object]:
    """Cache keys a full run fills, found on a probe table of two of the table's records."""
    rows = np.flatnonzero(table.active)[:2]
    probe = RecordTable()
    probe.upsert([table.record(int(r)) for r in rows])
    if len(probe) == 2:
        block_pairs(probe, families, cap=2)
        compare_pairs(probe, np.array([0]), np.array([1]), comparisons)
    return [k for k in probe.cached_keys() if _maker(k) is not None]


def _maker(key: object) -> str | None:
    """The kind of array a cache key names, if this module knows how to make it."""
    if isinstance(key, tuple) and key and key[0] in ("codes", "lengths", "prefix_codes"):
        return str(key[0])
    return None


def _compute(table: RecordTable, keys: list[object]) -> dict[object, np.ndarray]:
    """The arrays of ``keys``, made through the functions that normally make them."""
    for key in keys:
        kind, *args = key  # type: ignore[misc]
        if kind == "codes":
            column_codes(table, args[0][0])
        elif kind == "lengths":
            name_lengths(table, args[0])
        else:
            prefix_codes(table, args[0], args[1])
    made = set(table.cached_keys())
    return {k: table.cached(k, _unreachable) for k in keys if k in made}


def _unreachable() -> np.ndarray:
    raise AssertionError("only keys already in the cache are read")
