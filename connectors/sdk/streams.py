"""What a connector says about the streams it offers (``discover()``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream's name, identity and shape.

    ``key`` lists the fields that identify a record; ``cursor_field`` is the field an incremental
    read orders by (None: full reads only); ``json_schema`` describes one record's ``data``.
    """

    name: str
    key: tuple[str, ...]
    json_schema: dict[str, Any]
    cursor_field: str | None = None
    writable: bool = False
    deletes: bool = False
    description: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def incremental(self) -> bool:
        return self.cursor_field is not None


def join_key(values: list[Any] | tuple[Any, ...]) -> str:
    """One string for a (possibly composite) record key, stable across runs."""
    return "|".join("" if v is None else str(v) for v in values)
