"""Dotted paths into parsed JSON: ``"paging.next.after"``, ``"data.customers.edges"``,
``"items.0.id"``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(
        int(part) if part.lstrip("-").isdigit() else part for part in path.split(".") if part
    )


def lookup(document: Any, path: str) -> Any:
    """The value at ``path`` in ``document``; None when any step is missing."""
    node = document
    for step in _steps(path):
        if isinstance(step, int) and isinstance(node, list):
            if not -len(node) <= step < len(node):
                return None
            node = node[step]
        elif isinstance(node, dict) and str(step) in node:
            node = node[str(step)]
        else:
            return None
    return node
