"""Finding and checking the header row of a table (CSV or XLSX alike).

Exports often put title lines above the header ("Esportazione clienti al 31/12/2025", an empty
line). The header is the first row that holds every configured key column, or the row the
configuration names. Its names are trimmed; empty cells after the last name are ignored; an
empty name between names, or a name used twice, is an error naming the columns.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.builtin.file.errors import FileLayoutError

ColumnLabel = Callable[[int], str]


def column_number(index: int) -> str:
    """How a CSV column is named in messages: ``column 4`` for index 3."""
    return f"column {index + 1}"


@dataclass(frozen=True, slots=True)
class SampleRow:
    """A row read while looking for the header, with the lines (or sheet rows) it spans."""

    first_line: int
    last_line: int
    cells: list[str]


@dataclass(frozen=True, slots=True)
class HeaderLayout:
    """The header found: where it is, the column names, and where the key columns are."""

    first_line: int
    last_line: int
    names: tuple[str, ...]
    key_indexes: tuple[int, ...]

    @property
    def width(self) -> int:
        return len(self.names)


@dataclass(frozen=True, slots=True)
class TablePlace:
    """Words for messages: ``where`` ("clienti.csv"), ``unit`` ("line" or "row") and how to
    name a column by index."""

    where: str
    unit: str
    column_label: ColumnLabel = column_number


def find_header(
    rows: Sequence[SampleRow], key: Sequence[str], header_row: int | None, place: TablePlace
) -> HeaderLayout:
    """The header among the sample ``rows``: the configured ``header_row``, or else the first row
    holding every ``key`` column. Raises ``FileLayoutError`` saying what was seen instead."""
    if header_row is not None:
        row = next((r for r in rows if r.first_line == header_row), None)
        if row is None:
            raise FileLayoutError(
                f"{place.where}: there is no {place.unit} {header_row} to read the header from "
                f"(rows found start on {place.unit}s {_list_lines(rows)})",
                hint="set header_row to the number of the header line as a text editor shows it",
            )
        layout = _layout(row, key, place)
        if layout is None:
            raise _missing_key_error(place, key, [row], header_row)
        return layout
    for row in rows:
        layout = _layout(row, key, place)
        if layout is not None:
            return layout
    raise _missing_key_error(place, key, rows, None)


def header_names(row: SampleRow, place: TablePlace) -> tuple[str, ...]:
    """The trimmed names of a header row; empty or repeated names raise ``FileLayoutError``."""
    names = [cell.strip() for cell in row.cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileLayoutError(
            f"{place.where} {place.unit} {row.first_line}: the header row is empty"
        )
    hint = (
        f"give every column a distinct, non-empty name in the header "
        f"({place.unit} {row.first_line} of {place.where})"
    )
    unnamed = [place.column_label(i) for i, name in enumerate(names) if not name]
    if unnamed:
        raise FileLayoutError(
            f"{place.where} {place.unit} {row.first_line}: the header has no name in "
            f"{', '.join(unnamed)}",
            hint=hint,
        )
    first_seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first_seen:
            first = place.column_label(first_seen[name])
            raise FileLayoutError(
                f"{place.where} {place.unit} {row.first_line}: {first} "
                f"and {place.column_label(i)} are both named {name!r}",
                hint=hint,
            )
        first_seen[name] = i
    return tuple(names)


def _layout(row: SampleRow, key: Sequence[str], place: TablePlace) -> HeaderLayout | None:
    trimmed = {cell.strip() for cell in row.cells}
    if not all(name in trimmed for name in key):
        return None
    names = header_names(row, place)
    return HeaderLayout(
        row.first_line, row.last_line, names, tuple(names.index(name) for name in key)
    )


def _missing_key_error(
    place: TablePlace, key: Sequence[str], rows: Sequence[SampleRow], header_row: int | None
) -> FileLayoutError:
    """The error for a header without the key: it shows the row that looks like the header and
    suggests the closest names."""
    seen: SampleRow | None
    if header_row is not None:
        seen, where = rows[0], f"the header ({place.unit} {header_row})"
    else:
        seen = next((r for r in rows if _looks_like_header(r.cells)), None)
        where = f"the first {len(rows)} {place.unit}s"
    message = f"{place.where}: no key column {', '.join(repr(k) for k in key)} in {where}"
    hint = "set key to column names exactly as the header writes them"
    if seen is not None:
        names = [cell.strip() for cell in seen.cells if cell.strip()]
        shown = ", ".join(names[:15]) + (", ..." if len(names) > 15 else "")
        message += f"; {place.unit} {seen.first_line} has: {shown}"
        suggestions = []
        for wanted in key:
            close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
            if wanted not in names and close:
                suggestions.append(f"{wanted!r} -> {close[0]!r}")
        if suggestions:
            hint = f"did you mean {', '.join(suggestions)}? {hint}"
    if header_row is None:
        hint += ", or set header_row to the header's line number"
    return FileLayoutError(message, hint=hint)


def _looks_like_header(cells: list[str]) -> bool:
    """Mostly non-empty, distinct, non-numeric text cells: what a header usually looks like."""
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    filled = [name for name in names if name]
    return (
        len(filled) >= 2
        and len(filled) >= 0.8 * len(names)
        and len(set(filled)) == len(filled)
        and not any(_is_number(name) for name in filled)
    )


def _is_number(text: str) -> bool:
    return text.replace(".", "").replace(",", "").replace("-", "").isdigit()


def _list_lines(rows: Sequence[SampleRow]) -> str:
    lines = [str(r.first_line) for r in rows[:10]]
    return ", ".join(lines) + (", ..." if len(rows) > 10 else "") if lines else "none"
