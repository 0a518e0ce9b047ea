"""Blocking keys as integer codes, for full runs.

A key family's string keys (``"phonetic_name_postcode:RS|MR|20100"``) are what an index
stores; a full run only needs to know which rows share a key, so it can work on integer codes
instead: equal codes exactly where the string keys are equal, 0 where a row has no key. Codes
are built from the table's value codes (see :func:`crmhub.match.comparisons.column_codes`)
with numpy, and strings are made only once per distinct combination of values.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

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


def sorted_pair_codes(
    table: RecordTable,
    rows: np.ndarray,
    columns: tuple[str, str],
    width: int | None,
    strings: Callable[[np.ndarray], list[str]],
) -> np.ndarray:
    """Codes of keys made of two columns' word prefixes in sorted order (swapped names give
    one key). The common case, one word in each column, is coded as the pair of the two
    prefixes' codes in numpy; other rows get ``strings`` (their real keys), and a two-word
    key among those is coded as its pair of words too, so equal keys always get equal codes."""
    first, second = (table.column(c)[rows].tolist() for c in columns)
    words: dict[str, int] = {}  # word prefix -> code (from 1)
    word_of: dict[str, int] = {"": 0}  # value -> its one word's code; -1: not one word
    for value in dict.fromkeys(chain(first, second)):
        if value not in word_of:
            tokens = value.split()
            word_of[value] = _word(words, tokens[0][:width]) if len(tokens) == 1 else -1
    a = np.fromiter(map(word_of.__getitem__, first), np.int64, len(first))
    b = np.fromiter(map(word_of.__getitem__, second), np.int64, len(second))
    low, high = np.minimum(a, b), np.maximum(a, b)
    # both columns filled (else no key) and one of them not a single word
    other = np.flatnonzero((a != 0) & (b != 0) & ((a == -1) | (b == -1)))
    for i, key in zip(other.tolist(), strings(rows[other])):
        tokens = key.split(" ")
        if not key:
            low[i] = high[i] = 0
        elif len(tokens) == 2:
            x, y = _word(words, tokens[0]), _word(words, tokens[1])
            low[i], high[i] = min(x, y), max(x, y)
        else:  # not a pair of words: a code of its own, past every word code
            low[i], high[i] = -1, _word(words, key)
    present = (low != 0) & (high != 0)
    return np.where(present, combine([low + 2, high + 2]), 0)


def _word(words: dict[str, int], word: str) -> int:
    return words.setdefault(word, len(words) + 1)
