"""Values between the driver and the hub: JSON-safe conversion, schemas, comparison, flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from connectors.builtin.sql.plans import flag_token
from connectors.builtin.sql.values import (
    Column,
    RowConverter,
    cursor_as_read,
    from_json,
    json_schema,
    same_value,
    to_json,
)


def column(name: str, python_type: type, nullable: bool = True, scale: int | None = None) -> Column:
    return Column(name, python_type, None, None, scale, nullable)


COLUMNS = [
    column("codice", str, nullable=False),
    column("fido", Decimal),
    column("modificato", datetime),
    column("nascita", date),
    column("ora", time),
    column("logo", bytearray),
    column("numero", int),
    column("attivo", bool),
]


def test_rows_become_json_safe_values() -> None:
    convert = RowConverter(COLUMNS)
    row = (
        "C1",
        Decimal("12.50"),
        datetime(2026, 1, 2, 3, 4, 5, 6),
        date(2026, 1, 2),
        time(8, 30),
        bytearray(b"\x00\xff"),
        7,
        True,
    )
    assert convert(row) == {
        "codice": "C1",
        "fido": "12.50",
        "modificato": "2026-01-02T03:04:05.000006",
        "nascita": "2026-01-02",
        "ora": "08:30:00",
        "logo": "AP8=",
        "numero": 7,
        "attivo": True,
    }
    assert convert(("C2", None, None, None, None, None, None, None))["fido"] is None


def test_the_schema_follows_the_conversion() -> None:
    schema = json_schema(COLUMNS)
    assert schema["required"] == ["codice"]
    assert schema["properties"]["codice"] == {"type": "string"}
    assert schema["properties"]["fido"] == {"type": ["string", "null"], "format": "decimal"}
    assert schema["properties"]["modificato"]["format"] == "date-time"
    assert schema["properties"]["logo"]["contentEncoding"] == "base64"
    assert schema["properties"]["attivo"]["type"] == ["boolean", "null"]


@pytest.mark.parametrize("col", COLUMNS, ids=lambda c: c.name)
def test_a_key_value_survives_a_trip_through_a_saved_state(col: Column) -> None:
    samples: dict[type, Any] = {
        str: "C'1",
        Decimal: Decimal("1.10"),
        datetime: datetime(2026, 1, 2, 3, 4, 5, 600),
        date: date(2026, 1, 2),
        time: time(1, 2, 3),
        bytearray: b"\x01",
        int: 10,
        bool: True,
    }
    value = samples[col.python_type]
    assert from_json(col, to_json(col, value)) == value


def test_a_saved_cursor_comes_back_as_the_driver_returns_it() -> None:
    saved = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert cursor_as_read(column("m", datetime), saved) == datetime(2026, 1, 2, 3, 4, 5)
    assert cursor_as_read(column("d", date), saved) == date(2026, 1, 2)
    assert cursor_as_read(column("n", int), 42) == 42


@pytest.mark.parametrize(
    ("current", "new", "same"),
    [
        (Decimal("12.50"), "12.5", True),
        (Decimal("12.50"), 12.5, True),
        (Decimal("12.50"), "12.51", False),
        (7, "7", True),
        (7, True, False),
        (1, True, True),  # MariaDB BOOLEAN = TINYINT(1)
        (0, False, True),
        ("ab ", "ab", True),  # CHAR padding
        ("ab", "Ab", False),
        (datetime(2026, 1, 2, 3, 4, 5, 120000), "2026-01-02T03:04:05.12", True),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02 03:04:05", True),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05+00:00", False),
        (date(2026, 1, 2), "2026-01-02", True),
        (bytearray(b"\x00\xff"), "AP8=", True),
        (bytearray(b"\x00\xff"), "AP4=", False),
        (True, 1, True),
        (True, False, False),
        (None, None, True),
        (None, "", False),
        ('{"a": 1}', {"a": 1}, True),
    ],
)
def test_a_value_already_held_is_recognised(current: Any, new: Any, same: bool) -> None:
    assert same_value(current, new) is same


@pytest.mark.parametrize(
    ("value", "token"),
    [("S", "s"), (" s ", "s"), (1, "1"), (True, "1"), (Decimal("1.0"), "1"), (0.5, "0.5")],
)
def test_soft_delete_flags_compare_across_types(value: Any, token: str) -> None:
    assert flag_token(value) == token
