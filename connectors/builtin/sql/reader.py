"""Reading one stream: records in (cursor, key) order with a checkpoint after every page.

A read runs in up to three phases, each a keyset scan (see ``keyset``):

1. rows whose key has a NULL in it cannot be identified: each becomes a ``ReadProblem``
   (only when a key column is nullable at all);
2. rows whose cursor is NULL cannot be placed in time: they are read on *every* run, ordered by
   key, and the hub recognises the unchanged ones by their content hash (only when the cursor
   column is nullable at all; keep such rows few, or make the column NOT NULL);
3. every other row, ordered by (cursor, key), from the saved cursor minus the look-back window
   (everything on a first run), with a ``Checkpoint`` after each page.

A stream without a cursor is read whole every time, ordered by key, and its last checkpoint
says ``snapshot_complete`` so the hub turns keys that vanished into tombstones.

A checkpoint's state is the (cursor, key) of the page's last row, which is the greatest seen so
far because rows arrive in the database's own (cursor, key) order. (The SDK's ``HighWaterMark``
compares in Python, where ``"10" < "9"`` and a case-insensitive collation's order differ from
the database's, so it is not used to pick the position.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from connectors.builtin.sql.database import Database
from connectors.builtin.sql.keyset import KeysetScan, Page
from connectors.builtin.sql.plans import ReadPlan
from connectors.builtin.sql.values import (
    RowConverter,
    cursor_as_read,
    cursor_from_row,
    cursor_param,
    from_json,
    to_json,
)
from connectors.sdk import (
    Checkpoint,
    CursorPosition,
    ReadItem,
    ReadProblem,
    SourceRecord,
    join_key,
    lookback_start,
)
from connectors.sdk.incremental import decode_cursor

FETCH_CHUNK = 1000


class StreamReader:
    """Reads one planned stream from one database."""

    def __init__(self, db: Database, plan: ReadPlan, *, page_size: int, lookback_seconds: int):
        self.db = db
        self.plan = plan
        self.page_size = page_size
        self.lookback = timedelta(seconds=lookback_seconds)
        self.convert = RowConverter(plan.columns)
        self._as_text = db.dialect.datetime_params_as_text

    # --- the phases -----------------------------------------------------------------------

    def read(self, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """Every item of the stream changed since ``state`` (everything when None)."""
        plan = self.plan
        if plan.cursor_sql is None:
            yield from self._null_key_problems(None)
            yield from self._pages_with_checkpoints(
                self._scan(plan.key_sql, plan.key_indexes), state={}
            )
            yield Checkpoint(plan.stream, {}, snapshot_complete=True)
            return
        assert plan.cursor_kind is not None
        saved = CursorPosition.from_state(state, plan.cursor_kind)
        start = lookback_start(saved, self.lookback)
        unchanged = dict(state) if saved and state else {}
        yield from self._null_key_problems(start)
        if plan.cursor_nullable:
            null_cursor = self._scan(
                plan.key_sql, plan.key_indexes, extra_filter=f"{plan.cursor_sql} IS NULL"
            )
            yield from self._pages_with_checkpoints(null_cursor, state=unchanged)
        # When the look-back moves nothing, the read resumes right after the saved position.
        resume = self._saved_position(state, saved) if saved and start == saved.cursor else None
        yield from self._incremental(start, resume, saved, unchanged)

    def _incremental(
        self,
        start: Any,
        resume: tuple[Any, ...] | None,
        saved: CursorPosition | None,
        unchanged: dict[str, Any],
    ) -> Iterator[ReadItem]:
        plan = self.plan
        assert plan.cursor_sql is not None and plan.cursor_index is not None
        assert plan.cursor_kind is not None
        scan = self._scan(
            (plan.cursor_sql, *plan.key_sql),
            (plan.cursor_index, *plan.key_indexes),
            extra_filter=f"{plan.cursor_sql} IS NOT NULL" if plan.cursor_nullable else None,
            start=None if resume else start,
            resume_after=resume,
        )
        delivered = False
        for page in scan.pages(self._fetch):
            yield from self._page_items(page)
            if page.rows:
                state = self._state(page.rows[-1])
                # A look-back page can end before the saved position: the state never goes back.
                if saved and decode_cursor(state["cursor"], plan.cursor_kind) < saved.cursor:
                    state = unchanged
                yield Checkpoint(plan.stream, state)
                delivered = True
        if not delivered:
            yield Checkpoint(plan.stream, unchanged)

    def _state(self, row: Sequence[Any]) -> dict[str, Any]:
        """The checkpoint state after ``row``: the SDK's (cursor, key) plus the typed key values."""
        plan = self.plan
        assert plan.cursor_index is not None
        position = CursorPosition(cursor_from_row(row[plan.cursor_index]), self._key_of(row))
        values = [to_json(plan.columns[i], row[i]) for i in plan.key_indexes]
        return {**position.to_state(), "key_values": values}

    def _saved_position(
        self, state: dict[str, Any] | None, saved: CursorPosition
    ) -> tuple[Any, ...] | None:
        """The saved (cursor, key...) as the driver returns them; None if the state lacks keys."""
        plan = self.plan
        values = (state or {}).get("key_values")
        if not isinstance(values, list) or len(values) != len(plan.key_indexes):
            return None
        assert plan.cursor_index is not None
        keys = [plan.columns[i] for i in plan.key_indexes]
        try:
            restored = [from_json(c, v) for c, v in zip(keys, values)]
        except (TypeError, ValueError):
            return None  # a state from another key shape: fall back to re-reading from start
        return (cursor_as_read(plan.columns[plan.cursor_index], saved.cursor), *restored)

    def _null_key_problems(self, start: Any) -> Iterator[ReadProblem]:
        plan = self.plan
        if not plan.nullable_key_sql:
            return
        any_null = " OR ".join(f"{k} IS NULL" for k in plan.nullable_key_sql)
        sql = f"{plan.select_sql} WHERE ({any_null})"
        params: list[Any] = []
        if plan.where_sql:
            sql += f" AND {plan.where_sql}"
        if start is not None and plan.cursor_sql is not None:
            sql += f" AND ({plan.cursor_sql} >= ? OR {plan.cursor_sql} IS NULL)"
            params.append(self._param(start))
        context = f"stream {plan.stream!r}: reading rows of {plan.label} with no key"
        cursor = self.db.run(sql, params, context=context)
        with self.db.errors(context):
            while rows := cursor.fetchmany(FETCH_CHUNK):
                for row in rows:
                    yield ReadProblem(
                        plan.stream,
                        f"{plan.label}: key column(s) {', '.join(plan.key)} hold NULL, "
                        "so the row cannot be identified",
                        raw=self._raw(row),
                    )
            cursor.close()

    # --- building blocks ------------------------------------------------------------------

    def _key_not_null(self) -> tuple[str, ...]:
        where = (self.plan.where_sql,) if self.plan.where_sql else ()
        return (*where, *(f"{k} IS NOT NULL" for k in self.plan.nullable_key_sql))

    def _scan(
        self,
        order_sql: Sequence[str],
        order_indexes: Sequence[int],
        *,
        extra_filter: str | None = None,
        start: Any = None,
        resume_after: tuple[Any, ...] | None = None,
    ) -> KeysetScan:
        filters = self._key_not_null() + ((extra_filter,) if extra_filter else ())
        return KeysetScan(
            select_sql=self.plan.select_sql,
            order_sql=tuple(order_sql),
            order_indexes=tuple(order_indexes),
            limit_clause=self.db.dialect.limit_clause,
            page_size=self.page_size,
            filters=filters,
            start=start,
            resume_after=resume_after,
            to_param=self._param,
        )

    def _param(self, value: Any) -> Any:
        return cursor_param(value, self._as_text)

    def _fetch(self, sql: str, params: list[Any]) -> list[Any]:
        return self.db.fetch_all(
            sql,
            params,
            context=f"stream {self.plan.stream!r}: reading {self.plan.label}",
            chunk=min(self.page_size, FETCH_CHUNK),
        )

    def _pages_with_checkpoints(
        self, scan: KeysetScan, *, state: dict[str, Any]
    ) -> Iterator[ReadItem]:
        """Every page's items, each page followed by a checkpoint of the (unmoved) ``state``."""
        for page in scan.pages(self._fetch):
            yield from self._page_items(page)
            yield Checkpoint(self.plan.stream, state)

    def _key_of(self, row: Sequence[Any]) -> str:
        return join_key([row[i] for i in self.plan.key_indexes])

    def _raw(self, row: Sequence[Any]) -> dict[str, Any]:
        try:
            return self.convert(row)
        except (ValueError, TypeError, UnicodeError):
            return {c.name: repr(v) for c, v in zip(self.plan.columns, row)}

    def _page_items(self, page: Page) -> Iterator[ReadItem]:
        plan = self.plan
        where = f"{plan.label} page {page.number}"
        cursor_index = plan.cursor_index
        deletion = plan.soft_delete
        for row in page.rows:
            key = self._key_of(row)
            cursor = cursor_from_row(row[cursor_index]) if cursor_index is not None else None
            if deletion is not None and deletion.is_deleted(row):
                yield SourceRecord(plan.stream, key, {}, cursor, deleted=True, position=where)
                continue
            try:
                data = self.convert(row)
            except (ValueError, TypeError, UnicodeError) as exc:
                yield ReadProblem(
                    plan.stream,
                    f"{where}: a value cannot be read: {exc}",
                    self._raw(row),
                    key,
                    where,
                )
                continue
            yield SourceRecord(plan.stream, key, data, cursor, position=where)
        for row in page.duplicates:
            key = self._key_of(row)
            yield ReadProblem(
                plan.stream,
                f"{where}: another row has the same key ({', '.join(plan.key)} = {key}) "
                "and cursor; the stream's key is not unique",
                self._raw(row),
                key,
                where,
            )
