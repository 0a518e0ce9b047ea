"""Reading one sObject: records in (SystemModstamp, Id) order, a checkpoint after every page.

A run starts at the saved SystemModstamp minus the look-back window (everything on a first
run); with no look-back it resumes strictly after the saved (SystemModstamp, Id). It reads
keyset pages of ``page_size`` records through ``queryAll`` (so deleted records arrive, as
tombstones), each answer batch of a page followed by a ``Checkpoint`` of the greatest position
seen. A checkpoint never goes back behind the saved one: records re-read in the look-back
window are recognised downstream by their content hash and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from connectors.builtin.salesforce.api import SalesforceApi
from connectors.builtin.salesforce.fields import CURSOR_FIELD, KEY_FIELD
from connectors.builtin.salesforce.soql import page_query
from connectors.sdk import (
    Checkpoint,
    ConnectorError,
    CursorPosition,
    HighWaterMark,
    ReadItem,
    ReadProblem,
    SourceRecord,
    lookback_start,
)


@lru_cache(maxsize=8192)
def parse_modstamp(value: str) -> datetime | None:
    """A SystemModstamp (``2026-01-01T00:00:00.000+0000``) as an aware datetime; None when it is
    not one. Cached: many records share a second."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


class ObjectReader:
    """Reads one sObject of one org."""

    def __init__(
        self,
        api: SalesforceApi,
        sobject: str,
        fields: tuple[str, ...],
        *,
        page_size: int,
        lookback_seconds: int,
    ) -> None:
        self.api = api
        self.sobject = sobject
        self.fields = fields
        self.page_size = page_size
        self.lookback = timedelta(seconds=lookback_seconds)

    def read(self, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """The records changed since ``state`` (all of them when None), with checkpoints."""
        saved = CursorPosition.from_state(state, "datetime")
        start = lookback_start(saved, self.lookback)
        # With no look-back the read resumes right after the saved position, ties included.
        after = saved if saved is not None and start == saved.cursor else None
        mark = HighWaterMark(saved)
        page_number = 0
        while True:
            soql = page_query(
                self.sobject, self.fields, start=start, after=after, limit=self.page_size
            )
            count = 0
            last: CursorPosition | None = None
            for batch in self.api.query_pages(soql, f"reading {self.sobject}"):
                page_number += 1
                where = f"{self.sobject} page {page_number}"
                for raw in batch:
                    item = self._item(raw, where)
                    if isinstance(item, SourceRecord):
                        last = CursorPosition(item.cursor, item.key)
                    count += 1
                    yield item
                if last is not None:
                    mark.observe(last.cursor, last.key)
                yield Checkpoint(self.sobject, mark.state())
            if count < self.page_size:
                return
            after = self._next_position(after, last)
            start = after.cursor

    def _next_position(
        self, after: CursorPosition | None, last: CursorPosition | None
    ) -> CursorPosition:
        if last is None or (after is not None and not after.is_before(last.cursor, last.key)):
            raise ConnectorError(
                f"reading {self.sobject}: a full page of {self.page_size} records did not move "
                "the read past its start",
                hint="the records of this page have no usable Id/SystemModstamp: see the problems "
                "reported, or raise page_size",
            )
        return last

    def _item(self, raw: dict[str, Any], where: str) -> ReadItem:
        raw.pop("attributes", None)
        record_id = raw.get(KEY_FIELD)
        if not isinstance(record_id, str) or not record_id:
            return ReadProblem(
                self.sobject, f"{where}: a record without {KEY_FIELD}", raw=raw, position=where
            )
        stamp = raw.get(CURSOR_FIELD)
        cursor = parse_modstamp(stamp) if isinstance(stamp, str) else None
        if cursor is None:
            return ReadProblem(
                self.sobject,
                f"{where}: record {record_id} has no readable {CURSOR_FIELD} ({stamp!r})",
                raw=raw,
                key=record_id,
                position=where,
            )
        if raw.get("IsDeleted") is True:
            return SourceRecord(self.sobject, record_id, {}, cursor, deleted=True, position=where)
        return SourceRecord(self.sobject, record_id, raw, cursor, position=where)
