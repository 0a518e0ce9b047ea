"""Guessing a CSV file's delimiter from its first lines.

``csv.Sniffer`` is easily fooled by Italian exports (decimal commas inside ``;``-separated rows,
addresses like "V. Garibaldi, 5/A"), so the guess is made the direct way: parse the sample with
each candidate and prefer, in order,

1. a delimiter under which some row holds every key column (the header is then found),
2. the most rows sharing the most common width (title lines and ragged rows do not count),
3. the wider table,
4. the earlier candidate in ``CANDIDATES``.

Quoting follows RFC 4180 for every candidate, so delimiters inside quoted cells do not count.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence

CANDIDATES: tuple[str, ...] = (",", ";", "\t", "|")


def sniff_delimiter(lines: Sequence[str], key: Sequence[str]) -> str:
    """The most plausible delimiter for the sample ``lines`` (see the module docstring)."""
    return max(
        CANDIDATES, key=lambda delimiter: _score(lines, delimiter, key, CANDIDATES.index(delimiter))
    )


def _score(
    lines: Sequence[str], delimiter: str, key: Sequence[str], rank: int
) -> tuple[bool, int, int, int]:
    rows = list(csv.reader(lines, delimiter=delimiter, strict=False))
    has_key_row = any(all(name in {cell.strip() for cell in row} for name in key) for row in rows)
    widths = Counter(len(row) for row in rows if len(row) > 1)
    if not widths:
        return has_key_row, 0, 0, -rank
    width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
    return has_key_row, count, width, -rank
