"""What counts as the same value when a target gives back what the hub wrote."""

from __future__ import annotations

import pytest

from crmhub.sync.values import is_empty, same_value, values_hash


@pytest.mark.parametrize(
    ("written", "read_back"),
    [
        (1500, "1500.00"),  # a DECIMAL column
        ("1500", "1500.0"),
        (True, 1),  # a BOOLEAN column of MariaDB
        (False, "false"),
        ("ACME", "ACME   "),  # a CHAR column pads
        ("2026-11-24T10:00:00Z", "2026-11-24 10:00:00"),  # naive text is UTC
        ("2026-11-24T11:00:00+01:00", "2026-11-24T10:00:00Z"),
        (None, ""),
        ([], None),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}),
    ],
)
def test_the_same_value_in_another_spelling(written, read_back):
    assert same_value(written, read_back)
    assert same_value(read_back, written)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("0286464521", "286464521"),  # leading zeros belong to codes and phone numbers
        ("+39 02", "39 02"),
        ("Acme", "acme"),
        (False, None),  # a box left unticked is not a box never set
        (0, None),
        (1, 2),
        ("1500", "1500.01"),
        ("2026-11-24T10:00:00Z", "2026-11-24T10:00:01Z"),
        (True, "yes"),
        ({"a": 1}, {"a": 2}),
    ],
)
def test_different_values(a, b):
    assert not same_value(a, b)
    assert not same_value(b, a)


def test_empty_values():
    assert all(is_empty(v) for v in (None, "", "  ", [], {}))
    assert not any(is_empty(v) for v in (0, False, "0", [None]))


def test_the_hash_of_values_ignores_key_order_and_sees_every_value():
    assert values_hash({"a": 1, "b": "x"}) == values_hash({"b": "x", "a": 1})
    assert values_hash({"a": 1, "b": "x"}) != values_hash({"a": 1, "b": "y"})
    assert len(values_hash({})) == 32
