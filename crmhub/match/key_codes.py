"""Blocking keys as integer codes, for full runs.

A key family's string keys (``"phonetic_name_postcode:RS|MR|20100"``) are what an index
stores; a full run only needs to know which rows share a key, so it can work on integer codes
instead: equal codes exactly where the string keys are equal, 0 where a row has no key. Codes
are built from the table's value codes (see :func:`crmhub.match.comparisons.column_codes`)
with numpy, and strings are made only once per distinct combination of values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from crmhub.match.arrays import unique_ints_inverse
from crmhub.match.comparisons import column_codes
from crmhub.match.table import RecordTable

#: Key code columns for ``rows``: one int64 array per key column of the family, 0 = no key.
#: Codes are comparable across the columns of one family (a first e-mail meets a second one).
KeyCodes = Callable[[RecordTable, np.ndarray], list[np.ndarray]]


def value_codes(table: RecordTable, column: str) -> np.ndarray:
    """The column's value code per row (int64, 0 = empty), over all rows."""
    return column_codes(table, column).astype(np.int64)


def prefix_codes(table: RecordTable, column: str, width: int) -> np.ndarray:
    """Codes of the first ``width`` characters of the column's values (0 = empty), over all
    rows; cached on the table until its rows change."""

    def compute() -> np.ndarray:
        prefixes = [v[:width] for v in table.column(column).tolist()]
        seen = dict.fromkeys([""] + prefixes)
        index = dict(zip(seen, range(len(seen))))
        return np.fromiter(map(index.__getitem__, prefixes), np.int64, len(prefixes))

    return table.cached(("prefix_codes", column, width), compute)


def combine(parts: list[np.ndarray]) -> np.ndarray:
    """One code per row for the tuple of part codes, 0 where any part is 0 (missing)."""
    combined = parts[0]
    for part in parts[1:]:
        # renumber after each step so the next product stays far below 2**63
        _, combined = unique_ints_inverse(combined * (int(part.max(initial=0)) + 1) + part)
    present = np.logical_and.reduce([p != 0 for p in parts])
    return np.where(present, combined + 1, 0)


def codes_of_strings(keys: list[str]) -> np.ndarray:
    """Codes of strings: equal strings equal codes, 0 for ""."""
    seen = dict.fromkeys([""] + keys)
    index = dict(zip(seen, range(len(seen))))
    return np.fromiter(map(index.__getitem__, keys), np.int64, len(keys))


def by_distinct(
    codes: np.ndarray, rows: np.ndarray, make: Callable[[np.ndarray], list[str]]
) -> np.ndarray:
    """Codes of string keys computed once per distinct non-zero code: ``make`` gets one
    representative row per distinct code and returns its key ("" = none)."""
    distinct, inverse = unique_ints_inverse(codes)
    first = np.full(distinct.size, -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(codes.size - 1, -1, -1)  # first row of each code
    keys = make(rows[first])
    key_codes = codes_of_strings(keys)
    out = key_codes[inverse]
    out[codes == 0] = 0
    return out
