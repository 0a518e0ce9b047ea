"""What a format reader (CSV or XLSX) hands to the row loop: an open table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from connectors.builtin.file.decoding import Damage
from connectors.builtin.file.header import HeaderLayout, TablePlace


class LineReader(Protocol):
    """Rows of cells as text; ``line_num`` is the last physical line (or sheet row) consumed.

    ``csv.reader`` is one; ``xlsx_table.SheetRows`` is the other.
    """

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class TableLayout:
    """What a file's first rows say: the header, and how the file is read (for people)."""

    header: HeaderLayout
    description: str


@dataclass(slots=True)
class Table:
    """An open table positioned after its header row.

    ``pad_short_rows``: a row with fewer cells than the header is completed with empty cells
    (XLSX, where empty trailing cells are simply not stored) instead of being a read problem
    (CSV, where a short row means a lost delimiter or a broken line).
    ``damage``: the undecodable bytes found so far, by line (always empty for XLSX).
    ``row_errors``: exceptions of the reader that spoil one row but not the rest.
    ``encoding``: the codec the text was decoded with (None for XLSX).
    ``description``: how the file was read, for ``check()`` and logs.
    """

    reader: LineReader
    header: HeaderLayout
    place: TablePlace
    pad_short_rows: bool
    close: Callable[[], None]
    damage: Damage = field(default_factory=dict)
    row_errors: tuple[type[Exception], ...] = ()
    encoding: str | None = None
    description: str = ""
