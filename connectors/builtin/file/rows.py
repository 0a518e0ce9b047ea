"""Turning a table's rows into records and read problems.

Per row, in this order:

* undecodable bytes in the row's lines -> a read problem naming each byte offset;
* a row with more cells than the header: accepted when the extra cells are empty (trailing
  delimiters are common in ERP exports), otherwise a read problem; a row with fewer cells:
  padded for XLSX, a read problem for CSV; expected and actual counts are in the reason;
* a blank row (every cell empty or spaces): skipped, or a read problem with skip_blank_rows off;
* an empty key cell -> a read problem;
* a key already seen in this file -> a read problem: the first row with a key is kept, every
  later one is set aside, so the stored record does not flip between two rows on every read.

Key cells are trimmed (" C001 " and "C001" are the same customer); every other value is yielded
exactly as written. The keys seen are remembered by ``SeenKeys``: the recent ones in memory, the
older ones on disk, so memory stays the same however long the file is.

The common row (right width, key present and new) takes a short inlined path; everything else
goes through ``RowRules``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from connectors.builtin.file.decoding import BadByte, show_escaped_bytes, take_damage
from connectors.builtin.file.seen_keys import SeenKeys
from connectors.builtin.file.table import Table
from connectors.sdk.records import Checkpoint, ReadItem, ReadProblem, SourceRecord
from connectors.sdk.streams import join_key

MAX_BAD_BYTES_LISTED = 5


@dataclass(slots=True)
class RowCounts:
    """What a read produced, for the final state and the logs."""

    records: int = 0
    problems: int = 0

    def add(self, item: SourceRecord | ReadProblem) -> None:
        """Count one item yielded."""
        if isinstance(item, SourceRecord):
            self.records += 1
        else:
            self.problems += 1


def read_table(
    table: Table,
    stream: str,
    *,
    skip_blank_rows: bool,
    checkpoint_every: int,
    checkpoint: Callable[[], Checkpoint],
    counts: RowCounts,
) -> Iterator[ReadItem]:
    """Yield a ``SourceRecord`` or ``ReadProblem`` per data row of ``table``, and
    ``checkpoint()`` after every ``checkpoint_every`` of them; ``counts`` is kept up to date."""
    rules = RowRules(table, stream, skip_blank_rows)
    width, first_time, to_data = table.header.width, rules.seen.first_time, rules.to_data
    key_indexes = table.header.key_indexes
    single_key = key_indexes[0] if len(key_indexes) == 1 else None
    reader, damage, prefix = table.reader, table.damage, rules.position_prefix
    last = table.header.last_line
    fast_records = 0  # the hot path counts locally; added to ``counts`` in ``finally``
    until_checkpoint = checkpoint_every
    try:
        while True:  # restarted after each row the reader itself cannot parse
            try:
                for row in reader:
                    first, last = last + 1, reader.line_num
                    item: SourceRecord | ReadProblem | None = None
                    if len(row) == width and not damage:
                        if single_key is not None:
                            key = row[single_key].strip()
                        else:
                            parts = [row[i].strip() for i in key_indexes]
                            key = join_key(parts) if all(parts) else ""
                        if key and first_time(key):
                            item = SourceRecord(
                                stream, key, to_data(row), None, False, prefix + str(first)
                            )
                            fast_records += 1
                    if item is None:
                        item = rules.judge(row, first, last)
                        if item is None:  # a blank row, skipped
                            continue
                        counts.add(item)
                    yield item
                    until_checkpoint -= 1
                    if not until_checkpoint:
                        until_checkpoint = checkpoint_every
                        yield checkpoint()
                return
            except table.row_errors as exc:
                first, last = last + 1, reader.line_num
                problem = rules.unparsable(exc, first, last)
                counts.add(problem)
                yield problem
    finally:
        counts.records += fast_records
        rules.seen.close()


def data_builder(names: tuple[str, ...]) -> Callable[[list[str]], dict[str, str]]:
    """A function turning a row of ``len(names)`` cells into ``{name: cell}``.

    Equivalent to ``dict(zip(names, row))``, which costs a tenth of the whole read per row; a
    dict display compiled for this header costs almost nothing. The names enter the source only
    through ``repr()``, which always yields a plain string literal, so no header can inject code.
    """
    fields = ", ".join(f"{name!r}: row[{index}]" for index, name in enumerate(names))
    return eval(f"lambda row: {{{fields}}}", {"__builtins__": {}})


class RowRules:
    """The slow path: every decision about a row that is not plainly good."""

    def __init__(self, table: Table, stream: str, skip_blank_rows: bool) -> None:
        self.table = table
        self.stream = stream
        self.skip_blank_rows = skip_blank_rows
        self.seen = SeenKeys(of=f"stream {stream!r} ({table.place.where})")
        self.names = table.header.names
        self.to_data = data_builder(self.names)
        self.key_names = [self.names[i] for i in table.header.key_indexes]
        self.position_prefix = f"{table.place.where} {table.place.unit} "

    def judge(self, row: list[str], first: int, last: int) -> SourceRecord | ReadProblem | None:
        """The record, problem, or nothing (a skipped blank row) that ``row`` amounts to."""
        bad = take_damage(self.table.damage, first, last) if self.table.damage else []
        if bad:
            return self._problem(row, first, last, self._bad_bytes_reason(bad))
        blank = not any(cell.strip() for cell in row)
        if blank:
            return None if self.skip_blank_rows else self._problem(row, first, last, "blank row")
        fitted = self._fit(row)
        if fitted is None:
            return self._problem(row, first, last, self._width_reason(row))
        key_cells = [fitted[i].strip() for i in self.table.header.key_indexes]
        empty = [name for name, cell in zip(self.key_names, key_cells) if not cell]
        if empty:
            columns = ", ".join(repr(name) for name in empty)
            return self._problem(fitted, first, last, f"the key column {columns} is empty")
        key = join_key(key_cells)
        if not self.seen.first_time(key):
            return self._problem(
                fitted,
                first,
                last,
                f"duplicate key {key!r}: an earlier {self.table.place.unit} of this file has the "
                f"same {', '.join(self.key_names)}; the first one is kept and this one set aside",
                key=key,
            )
        return SourceRecord(
            self.stream, key, self.to_data(fitted), None, False, self.position_prefix + str(first)
        )

    def unparsable(self, exc: Exception, first: int, last: int) -> ReadProblem:
        """A row the reader itself could not parse (e.g. a runaway quoted field)."""
        take_damage(self.table.damage, first, last)
        return ReadProblem(
            self.stream,
            f"{self._where(first, last)}: cannot parse the row ({exc}); check its quotes: a "
            "quoted value ends with a quote followed by the delimiter, a quote inside it is "
            'doubled (""), and a quote never closed swallows the lines after it',
            {"line": first},
            None,
            self.position_prefix + str(first),
        )

    def _fit(self, row: list[str]) -> list[str] | None:
        """``row`` at the header's width, or None when it cannot be made to fit without loss."""
        width = self.table.header.width
        if len(row) > width:
            return row[:width] if not any(cell.strip() for cell in row[width:]) else None
        if len(row) < width:
            return row + [""] * (width - len(row)) if self.table.pad_short_rows else None
        return row

    def _width_reason(self, row: list[str]) -> str:
        header = self.table.header
        unit = self.table.place.unit
        if len(row) > header.width:
            extra = next(i for i in range(header.width, len(row)) if row[i].strip())
            return (
                f"{len(row)} cells, but the header ({unit} {header.first_line}) has {header.width} "
                f"columns; {self.table.place.column_label(extra)} holds "
                f"{show_escaped_bytes(row[extra])!r} "
                "with no column name (a delimiter inside an unquoted value?)"
            )
        return (
            f"{len(row)} cells, but the header ({unit} {header.first_line}) has {header.width} "
            "columns (a missing delimiter, or a line break inside an unquoted value?)"
        )

    def _bad_bytes_reason(self, bad: list[BadByte]) -> str:
        listed = ", ".join(str(b) for b in bad[:MAX_BAD_BYTES_LISTED])
        more = (
            f" and {len(bad) - MAX_BAD_BYTES_LISTED} more"
            if len(bad) > MAX_BAD_BYTES_LISTED
            else ""
        )
        return (
            f"bytes that are not valid {self.table.encoding}: {listed}{more}; the row is set aside "
            "rather than guessed (re-export the file in one encoding, or set encoding if the "
            "whole file uses another one)"
        )

    def _problem(
        self, row: list[str], first: int, last: int, reason: str, *, key: str | None = None
    ) -> ReadProblem:
        cells = [show_escaped_bytes(cell) for cell in row]
        raw: dict[str, Any] = {"line": first, "cells": cells}
        if len(cells) == len(self.names):
            raw["values"] = dict(zip(self.names, cells))
        key_indexes = self.table.header.key_indexes
        if key is None and all(i < len(row) and row[i].strip() for i in key_indexes):
            key = join_key([show_escaped_bytes(row[i].strip()) for i in key_indexes])
        return ReadProblem(
            self.stream,
            f"{self._where(first, last)}: {reason}",
            raw,
            key,
            self.position_prefix + str(first),
        )

    def _where(self, first: int, last: int) -> str:
        unit = self.table.place.unit
        span = f"{unit} {first}" if first == last else f"{unit}s {first}-{last}"
        return f"{self.table.place.where} {span}"
