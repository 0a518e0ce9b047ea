"""Splitting id lists for ``IN (...)`` queries, under every database's parameter limit."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TypeVar

T = TypeVar("T", str, int)

IN_CHUNK = 900  # bound parameters per IN (...) list (SQLite's default limit is 999)


def in_chunks(items: Collection[T]) -> Iterator[list[T]]:
    """``items`` sorted, ``IN_CHUNK`` at a time."""
    ordered = sorted(items)
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]
