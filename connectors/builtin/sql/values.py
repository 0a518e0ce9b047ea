"""Column shapes and values: from what the driver returns to JSON, and back into parameters.

One table per direction, keyed by the Python type pyodbc gives a column (``cursor.description``):
its JSON schema, how a value becomes JSON-safe (``Decimal`` -> str, datetimes -> ISO 8601,
bytes -> base64), how a record's value is bound as a parameter, and when a value the database
holds already equals the one the hub wants to write.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import pyodbc

from connectors.sdk.incremental import CursorKind

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Column:
    """One result column as the driver describes it."""

    name: str
    python_type: type
    size: int | None
    precision: int | None
    scale: int | None
    nullable: bool


def describe(cursor: pyodbc.Cursor) -> list[Column]:
    """The columns of the statement ``cursor`` last executed."""
    return [
        Column(name, type_code, internal, precision, scale, bool(null_ok))
        for name, type_code, _display, internal, precision, scale, null_ok in cursor.description
    ]


def _base64(value: bytes | bytearray) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _iso(value: date | time) -> str:
    return value.isoformat()


# python type -> (JSON schema of a value, conversion to a JSON-safe value or None if already safe)
_JSON: dict[type, tuple[dict[str, str], Convert | None]] = {
    str: ({"type": "string"}, None),
    int: ({"type": "integer"}, None),
    float: ({"type": "number"}, None),
    bool: ({"type": "boolean"}, None),
    Decimal: ({"type": "string", "format": "decimal"}, str),
    datetime: ({"type": "string", "format": "date-time"}, _iso),
    date: ({"type": "string", "format": "date"}, _iso),
    time: ({"type": "string", "format": "time"}, _iso),
    bytes: ({"type": "string", "contentEncoding": "base64"}, _base64),
    bytearray: ({"type": "string", "contentEncoding": "base64"}, _base64),
    uuid.UUID: ({"type": "string", "format": "uuid"}, str),
}


def _json_entry(python_type: type) -> tuple[dict[str, str], Convert | None]:
    return _JSON.get(python_type, ({"type": "string"}, str))


def json_schema(columns: Sequence[Column]) -> dict[str, Any]:
    """A JSON schema for a record of these columns, as ``RowConverter`` makes it."""
    properties: dict[str, Any] = {}
    for column in columns:
        schema: dict[str, Any] = dict(_json_entry(column.python_type)[0])
        if column.nullable:
            schema["type"] = [schema["type"], "null"]
        properties[column.name] = schema
    return {
        "type": "object",
        "properties": properties,
        "required": [c.name for c in columns if not c.nullable],
    }


class RowConverter:
    """Turns a pyodbc row into a JSON-safe dict, converting only the columns that need it."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.names = [c.name for c in columns]
        self._conversions = [
            (index, convert)
            for index, column in enumerate(columns)
            if (convert := _json_entry(column.python_type)[1]) is not None
        ]

    def __call__(self, row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        for index, convert in self._conversions:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return dict(zip(self.names, values))


def to_json(column: Column, value: Any) -> Any:
    """One value of ``column`` as JSON-safe data (what ``RowConverter`` does to a row)."""
    convert = _json_entry(column.python_type)[1]
    return value if value is None or convert is None else convert(value)


# python type -> how a JSON-safe value of that type is restored (for a saved key position)
_FROM_JSON: dict[type, Convert] = {
    int: int,
    Decimal: lambda v: Decimal(str(v)),
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
    time: time.fromisoformat,
    bytes: base64.b64decode,
    bytearray: base64.b64decode,
}


def from_json(column: Column, value: Any) -> Any:
    """The inverse of ``to_json``: a saved value of ``column`` as the driver would return it."""
    restore = _FROM_JSON.get(column.python_type)
    return value if value is None or restore is None else restore(value)


# python type of a cursor column -> the SDK's cursor kind (others cannot order a read)
_CURSOR_KINDS: dict[type, CursorKind] = {
    datetime: "datetime",
    date: "datetime",
    int: "int",
    str: "str",
}


def cursor_kind(column: Column) -> CursorKind | None:
    """How the SDK stores a cursor of this column; None when it cannot be a cursor."""
    if column.python_type is Decimal and column.scale == 0:
        return "int"
    return _CURSOR_KINDS.get(column.python_type)


def cursor_from_row(value: Any) -> Any:
    """A cursor value as read, in the form the SDK compares and stores (whole decimals -> int)."""
    return int(value) if isinstance(value, Decimal) else value


def cursor_as_read(column: Column, value: Any) -> Any:
    """A cursor restored from a saved state, in the form the driver returns for ``column``.

    The SDK saves naive datetimes tagged as UTC and restores them UTC-aware; the driver returns
    them naive (and a DATE column as a date).
    """
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return naive.date() if column.python_type is date else naive
    return value


def cursor_param(value: Any, datetime_as_text: bool) -> Any:
    """A cursor value as a query parameter.

    A datetime restored from a saved state is UTC-aware; the column holds naive values that the
    SDK tagged as UTC when it saved them, so the tag comes off again.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ") if datetime_as_text else value
    return value


# --- writing ----------------------------------------------------------------------------


def _from_base64(value: Any) -> Any:
    return base64.b64decode(value) if isinstance(value, str) else value


def _datetime_text(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat(sep=" ")
    return value


def param_adapter(column: Column, datetime_as_text: bool) -> Convert | None:
    """How a record's value for ``column`` is bound (None: as it is, after ``json_param``)."""
    if column.python_type in (bytes, bytearray):
        return _from_base64
    if datetime_as_text and column.python_type in (datetime, date):
        return _datetime_text
    return None


def json_param(value: Any) -> Any:
    """Nested values (lists, objects) are stored as JSON text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _same_number(current: Any, new: Any) -> bool:
    if isinstance(new, bool):  # MariaDB's BOOLEAN is a TINYINT holding 0 or 1
        new = int(new)
    try:
        return Decimal(str(current)) == Decimal(str(new))
    except InvalidOperation:
        return False


def _same_text(current: str, new: Any) -> bool:
    # Trailing blanks are padding in the fixed-width CHAR fields ERPs are full of.
    return isinstance(new, str | int | Decimal) and current.rstrip() == str(new).rstrip()


def _same_datetime(current: datetime, new: Any) -> bool:
    try:
        parsed = new if isinstance(new, datetime) else datetime.fromisoformat(str(new))
    except ValueError:
        return False
    return parsed.tzinfo is None and parsed == current


def _same_date(current: date, new: Any) -> bool:
    if isinstance(new, date) and not isinstance(new, datetime):
        return new == current
    try:
        return date.fromisoformat(str(new)) == current
    except ValueError:
        return False


def _same_time(current: time, new: Any) -> bool:
    try:
        return (new if isinstance(new, time) else time.fromisoformat(str(new))) == current
    except ValueError:
        return False


def _same_bytes(current: bytes | bytearray, new: Any) -> bool:
    try:
        raw = new if isinstance(new, bytes | bytearray) else base64.b64decode(str(new))
    except ValueError:
        return False
    return bytes(raw) == bytes(current)


def _same_bool(current: bool, new: Any) -> bool:
    return isinstance(new, bool | int) and bool(new) == current


_SAME: dict[type, Callable[[Any, Any], bool]] = {
    str: _same_text,
    int: _same_number,
    float: _same_number,
    Decimal: _same_number,
    bool: _same_bool,
    datetime: _same_datetime,
    date: _same_date,
    time: _same_time,
    bytes: _same_bytes,
    bytearray: _same_bytes,
}


def same_value(current: Any, new: Any) -> bool:
    """True when a column holding ``current`` already holds ``new`` (a record's JSON value)."""
    if current is None or new is None:
        return current is None and new is None
    new = json_param(new)
    same = _SAME.get(type(current))
    return same(current, new) if same else current == new
