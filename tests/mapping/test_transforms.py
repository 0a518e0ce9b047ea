"""The transform vocabulary: each step converts what real exports contain, and refuses clearly."""

from __future__ import annotations

import pytest

from crmhub.mapping.transforms import TransformError, TransformOptionsError, build_transform


def run(step, value):  # type: ignore[no-untyped-def]
    return build_transform(step)[1](value)


@pytest.mark.parametrize(
    ("step", "raw", "expected"),
    [
        ("trim", "  Rossi  ", "Rossi"),
        ("trim", "   ", None),
        ("collapse_spaces", " Via   Roma \t 12 ", "Via Roma 12"),
        ("upper", "srl", "SRL"),
        ("digits", "+39 (02) 123-456", "3902123456"),
        ("strip_accents", "Niccolò Città", "Niccolo Citta"),
        ({"date": "%d/%m/%Y"}, "31/12/1980", "1980-12-31"),
        ({"date": ["%d/%m/%Y", "%d.%m.%Y"]}, "01.02.2003", "2003-02-01"),
        ({"decimal": "comma"}, "12.500,00", "12500.00"),
        ("decimal", "€ 1.234,5", "1234.5"),
        ({"decimal": "point"}, "1,234.56", "1234.56"),
        ("boolean", "sì", True),
        ("boolean", "N", False),
        ({"regex": {"pattern": "^0+", "replace": ""}}, "000123", "123"),
        ({"truncate": 3}, "abcdef", "abc"),
    ],
)
def test_transform_converts(step, raw, expected):  # type: ignore[no-untyped-def]
    assert run(step, raw) == expected


def test_datetime_local_time_is_stored_in_utc():
    # 15 July in Rome is UTC+2: 10:30 local is 08:30 UTC
    assert run({"datetime": {"format": "%d/%m/%Y %H:%M", "tz": "Europe/Rome"}}, "15/07/2025 10:30") == (
        "2025-07-15T08:30:00+00:00"
    )


@pytest.mark.parametrize(
    ("step", "raw", "reason"),
    [
        ({"date": "%d/%m/%Y"}, "31/02/1980", "is not a date in the format %d/%m/%Y"),
        ({"date": "%d/%m/%Y"}, "ieri", "'ieri' is not a date"),
        ("decimal", "12,5,0", "is not a number"),
        ("boolean", "forse", "is neither yes"),
    ],
)
def test_bad_value_names_value_and_expectation(step, raw, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(TransformError, match=reason):
        run(step, raw)


def test_none_passes_through_every_transform():
    for step in ("trim", "upper", {"date": "%d/%m/%Y"}, "decimal", "boolean"):
        assert run(step, None) is None


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("trimm", "did you mean 'trim'"),
        ({"date": 5}, "needs a format"),
        ({"datetime": {"format": "%d", "tz": "Mars/Olympus"}}, "unknown time zone"),
        ({"regex": {"pattern": "("}}, "bad pattern"),
        ({"trim": True, "upper": True}, "one {name: options} pair"),
        ({"upper": {"x": 1}}, "takes no options"),
    ],
)
def test_bad_transform_is_refused_when_loaded(step, message):  # type: ignore[no-untyped-def]
    with pytest.raises(TransformOptionsError, match=message):
        build_transform(step)
