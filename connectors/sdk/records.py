"""What a connector yields while reading, and what it answers when written to."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SourceRecord:
    """One record exactly as the source system holds it.

    ``key`` is the record's identity in its stream (several key fields are joined with ``|``);
    ``cursor`` is the value of the stream's cursor field, when it has one; ``position`` says where
    the record came from in words a person can follow ("customers.csv line 17", "page 3").
    A deletion travels as a record with ``deleted=True`` (a tombstone) and usually empty ``data``.
    """

    stream: str
    key: str
    data: dict[str, Any]
    cursor: Any = None
    deleted: bool = False
    position: str | None = None


@dataclass(slots=True)
class Checkpoint:
    """A resumable read position.

    The state covers every record yielded before it: the engine commits it in the same
    transaction as those records, so a crash never skips a record and never loses a cursor.
    It must be JSON-serialisable.

    ``snapshot_complete=True`` (only on a stream read as a whole, like a file) says: every record
    the stream now holds was yielded by this read, so the engine turns each stored key this read
    did not deliver into a tombstone. A read that skipped an unchanged snapshot must not set it.
    """

    stream: str
    state: dict[str, Any]
    snapshot_complete: bool = False


@dataclass(slots=True)
class ReadProblem:
    """A record the connector could read only in part (a short row, bad bytes).

    The engine quarantines it with its raw payload and reason; the read goes on.
    """

    stream: str
    reason: str
    raw: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    position: str | None = None


ReadItem = SourceRecord | Checkpoint | ReadProblem


class WriteOutcome(str, enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(slots=True)
class WriteResult:
    """The answer for one record handed to ``Connector.write``.

    ``key`` echoes the key of the record written (the hub's stable id for it); ``external_id`` is
    the id the target gave it; ``retryable`` tells the engine whether trying again may help.
    """

    key: str
    outcome: WriteOutcome
    external_id: str | None = None
    reason: str | None = None
    retryable: bool = False
