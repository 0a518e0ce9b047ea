"""Incremental reads on a (cursor, key) position with a look-back window.

Many systems stamp many records with the same second, so a cursor value alone cannot say where a
read stopped: the position is the pair (cursor, key), and pages are read in (cursor, key) order
with the predicate ``cursor > c OR (cursor = c AND key > k)``. Records committed late with an
older stamp are caught by starting the next run ``lookback`` before the saved cursor; what that
re-reads is recognised downstream by its content hash and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

CursorKind = Literal["datetime", "int", "str"]


def _to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def encode_cursor(value: Any) -> Any:
    """A JSON-safe form of a cursor value (datetimes as ISO 8601 in UTC)."""
    if isinstance(value, datetime):
        return _to_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def decode_cursor(value: Any, kind: CursorKind) -> Any:
    """The inverse of ``encode_cursor`` for a cursor of the given kind."""
    if value is None:
        return None
    if kind == "datetime":
        return _to_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
    if kind == "int":
        return int(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class CursorPosition:
    """Where an incremental read got to: the last (cursor, key) pair delivered."""

    cursor: Any
    key: str

    def is_before(self, cursor: Any, key: str) -> bool:
        """True when a record at (cursor, key) comes after this position."""
        return (cursor, key) > (self.cursor, self.key)

    def to_state(self) -> dict[str, Any]:
        return {"cursor": encode_cursor(self.cursor), "key": self.key}

    @classmethod
    def from_state(cls, state: dict[str, Any] | None, kind: CursorKind) -> CursorPosition | None:
        if not state or state.get("cursor") is None:
            return None
        return cls(decode_cursor(state["cursor"], kind), str(state.get("key", "")))


def lookback_start(position: CursorPosition | None, lookback: timedelta | int | None) -> Any:
    """The cursor value a new run starts from: the saved cursor minus the look-back window.

    Returns None (read everything) when there is no saved position.
    """
    if position is None:
        return None
    if not lookback:
        return position.cursor
    if isinstance(position.cursor, datetime):
        window = lookback if isinstance(lookback, timedelta) else timedelta(seconds=lookback)
        return position.cursor - window
    if isinstance(position.cursor, int):
        return position.cursor - (int(lookback.total_seconds()) if isinstance(lookback, timedelta) else lookback)
    return position.cursor


class HighWaterMark:
    """Keeps the greatest (cursor, key) seen, for the checkpoint at the end of a page."""

    def __init__(self, start: CursorPosition | None = None) -> None:
        self.position = start

    def observe(self, cursor: Any, key: str) -> None:
        if cursor is None:
            return
        if self.position is None or self.position.is_before(cursor, key):
            self.position = CursorPosition(cursor, key)

    def state(self) -> dict[str, Any]:
        return self.position.to_state() if self.position else {}
