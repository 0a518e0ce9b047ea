"""Opening an XLSX worksheet as a table, streamed (openpyxl read-only mode: memory stays flat).

Cells become text deterministically, so that an unchanged cell always yields the same string:

* text as written; an empty cell as "";
* numbers at Excel's 15 significant digits, without exponent or trailing ".0"
  (12500.0 -> "12500", 0.1 + 0.2 -> "0.3", 1e-07 -> "0.0000001");
* dates as ISO 8601: "2025-12-31" when the time is midnight, else "2025-12-31T10:11:12"
  (milliseconds only when present); times as "10:11:12"; durations as "[h]:mm:ss";
* booleans as "TRUE" / "FALSE", as Excel shows them.

Cached formula results are read (``data_only``); a formula never calculated by a spreadsheet
program (files written by some libraries) has no cached value and reads as "".
The sheet's declared dimensions are ignored (``reset_dimensions``): some programs write them
wrong, and openpyxl would cut the rows to them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from connectors.builtin.file.config import StreamSettings
from connectors.builtin.file.errors import FileLayoutError
from connectors.builtin.file.header import HeaderLayout, SampleRow, TablePlace, find_header
from connectors.builtin.file.table import Table, TableLayout

SAMPLE_ROWS = 50


def excel_column(index: int) -> str:
    """How an XLSX column is named in messages: ``column D (4)`` for index 3."""
    return f"column {get_column_letter(index + 1)} ({index + 1})"


def _number(value: float) -> str:
    rounded = float(f"{value:.15g}")
    if rounded.is_integer():
        return str(int(rounded))
    return format(Decimal(repr(rounded)), "f")


def _clock(value: time | datetime) -> str:
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def _datetime(value: datetime) -> str:
    if value.time() == time(0) and value.tzinfo is None:
        return value.date().isoformat()
    return _clock(value)


def _duration(value: timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


# One converter per cell type openpyxl returns; the policy is this table.
CELL_TEXT: dict[type, Callable[[Any], str]] = {
    str: lambda value: value,
    type(None): lambda value: "",
    bool: lambda value: "TRUE" if value else "FALSE",
    int: str,
    float: _number,
    datetime: _datetime,
    date: date.isoformat,
    time: _clock,
    timedelta: _duration,
}


def cell_text(value: Any) -> str:
    """The text a cell value is yielded as (see the module docstring)."""
    convert = CELL_TEXT.get(type(value))
    return convert(value) if convert is not None else str(value)


class SheetRows:
    """A worksheet's rows as lists of text, with ``line_num`` = the sheet row last read."""

    def __init__(self, rows: Iterator[tuple[Any, ...]], where: str) -> None:
        self._rows = rows
        self.where = where
        self.line_num = 0

    def __iter__(self) -> SheetRows:
        return self

    def __next__(self) -> list[str]:
        try:
            values = next(self._rows)
        except StopIteration:
            raise
        except Exception as exc:  # broken XML: the rest of the sheet is unreadable, stop the read
            raise FileLayoutError(
                f"{self.where} row {self.line_num + 1}: cannot read the worksheet ({exc})",
                hint="open the file in a spreadsheet program and save it again as .xlsx",
            ) from exc
        self.line_num += 1
        return [value if type(value) is str else cell_text(value) for value in values]


class OpenWorkbook:
    """An open read-only workbook and the file under it; ``close()`` releases both."""

    def __init__(self, settings: StreamSettings) -> None:
        self.settings = settings
        self.raw: BinaryIO = settings.path.open("rb")
        try:
            self.book: Workbook = load_workbook(self.raw, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            self.raw.close()
            raise FileLayoutError(
                f"{settings.display_name} is not a readable XLSX workbook ({exc})",
                hint="if it is really a CSV or HTML export, set format: csv or save it from a "
                "spreadsheet program as .xlsx",
            ) from exc

    def sheet_rows(self) -> tuple[SheetRows, TablePlace]:
        """The chosen worksheet's rows from the first one, and how to name places in it."""
        sheets = self.book.worksheets
        name = self.settings.sheet
        if name is None:
            if not sheets:
                raise FileLayoutError(f"{self.settings.display_name} has no worksheet")
            sheet = sheets[0]
        else:
            sheet = next((s for s in sheets if s.title == name), None)
            if sheet is None:
                titles = ", ".join(repr(s.title) for s in sheets) or "none"
                raise FileLayoutError(
                    f"{self.settings.display_name} has no sheet {name!r}",
                    hint=f"sheets in the file: {titles} (names are case-sensitive)",
                )
        sheet.reset_dimensions()
        place = TablePlace(
            f"{self.settings.display_name} sheet {sheet.title!r}", "row", excel_column
        )
        return SheetRows(sheet.iter_rows(values_only=True), place.where), place

    def close(self) -> None:
        self.book.close()
        self.raw.close()


def inspect_xlsx(settings: StreamSettings) -> TableLayout:
    """The header of the configured sheet, read from its first rows only (for ``discover``)."""
    book = OpenWorkbook(settings)
    try:
        header, place = _read_layout(book)
    finally:
        book.close()
    return TableLayout(header, _describe(place, header))


def open_xlsx_table(settings: StreamSettings) -> Table:
    """The worksheet as a ``Table`` positioned after its header (close it when done)."""
    book = OpenWorkbook(settings)
    try:
        header, place = _read_layout(book)
        rows, _ = book.sheet_rows()
        for _ in islice(rows, header.last_line):
            pass
    except BaseException:
        book.close()
        raise
    return Table(
        reader=rows,
        header=header,
        place=place,
        pad_short_rows=True,
        close=book.close,
        description=_describe(place, header),
    )


def _read_layout(book: OpenWorkbook) -> tuple[HeaderLayout, TablePlace]:
    settings = book.settings
    rows, place = book.sheet_rows()
    wanted = max(SAMPLE_ROWS, settings.header_row or 0)
    sample = [SampleRow(i, i, cells) for i, cells in enumerate(islice(rows, wanted), start=1)]
    return find_header(sample, settings.key, settings.header_row, place), place


def _describe(place: TablePlace, header: HeaderLayout) -> str:
    return f"{place.where}: XLSX, header on row {header.first_line} with {header.width} columns"
