"""Person names, dates, decimal numbers and web addresses."""

import datetime as dt
from decimal import Decimal

import pytest

from canonical.normalise import (
    WebPlatform,
    fold,
    normalise_date,
    normalise_datetime,
    normalise_decimal,
    normalise_name,
    normalise_web,
    split_full_name,
)


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("MARIO", "Mario"),
        ("mario  rossi", "Mario Rossi"),
        ("D'ANGELO", "D'Angelo"),
        ("DE LUCA", "De Luca"),
        ("MCDONALD", "McDonald"),
        ("VAN DER BERG", "van der Berg"),
        ("DELL'ACQUA", "Dell'Acqua"),
        ("ROSSI-BIANCHI", "Rossi-Bianchi"),
        ("NICOLÒ", "Nicolò"),
        ("Mario ROSSI", "Mario Rossi"),
        ("McDonald", "McDonald"),
        ("de Luca", "de Luca"),
        ("VITTORIO EMANUELE II", "Vittorio Emanuele II"),
        ("weiß", "Weiß"),
        ("ß weiß", "ß Weiß"),  # no capital for ß: the letter is kept, never turned into "Ss"
        ("O'BRIEN", "O'Brien"),
    ],
)
def test_name_display_form(raw: str, display: str) -> None:
    assert normalise_name(raw).value == display


@pytest.mark.parametrize(
    ("raw", "words"), [("123", "no letters"), ("R2D2", "digits"), ("", "no letters")]
)
def test_bad_name_says_why(raw: str, words: str) -> None:
    result = normalise_name(raw)
    assert not result.valid and words in (result.reason or "")


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("D'Angelo", "dangelo"),
        ("Rossi-Bianchi", "rossi bianchi"),
        ("  Nicolò   DE LUCA ", "nicolo de luca"),
        ("Søren Müller", "soren muller"),
        ("S.r.l.", "srl"),
    ],
)
def test_fold_for_matching(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("raw", "family_first", "given", "family"),
    [
        ("Mario Rossi", False, "Mario", "Rossi"),
        ("ROSSI MARIO", True, "Mario", "Rossi"),
        ("Rossi, Mario", False, "Mario", "Rossi"),
        ("Maria Grazia De Luca", False, "Maria Grazia", "De Luca"),
        ("DE LUCA MARIA GRAZIA", True, "Maria Grazia", "De Luca"),
        ("Jan van der Berg", False, "Jan", "van der Berg"),
        ("Mario", False, "Mario", None),
    ],
)
def test_split_full_name(raw: str, family_first: bool, given: str, family: str | None) -> None:
    parts = split_full_name(raw, family_first=family_first)
    assert (parts.given, parts.family) == (given, family)
    assert tuple(parts) == (
        given,
        family,
    )  # callers unpack it: given, family = split_full_name(...)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("10/12/1985", dt.date(1985, 12, 10)),
        ("10.12.1985", dt.date(1985, 12, 10)),
        ("1-2-2000", dt.date(2000, 2, 1)),
        ("1985-12-10", dt.date(1985, 12, 10)),
        ("1985-12-10T00:00:00Z", dt.date(1985, 12, 10)),
        ("29/02/2020", dt.date(2020, 2, 29)),
    ],
)
def test_dates_in_explicit_formats(raw: str, day: dt.date) -> None:
    assert normalise_date(raw).value == day


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("31/02/2020", "February 2020 has 29 days, not 31"),
        ("29/02/2019", "February 2019 has 28 days"),
        ("10/13/2020", "no month 13"),
        ("10/12/85", "2-digit year"),
        ("12 dicembre 1985", "not a date"),
    ],
)
def test_impossible_or_ambiguous_dates_say_why(raw: str, words: str) -> None:
    result = normalise_date(raw)
    assert (result.valid, result.value) == (False, None) and words in (result.reason or "")


def test_timestamps_end_up_in_utc() -> None:
    assert normalise_datetime("2024-03-01T10:00:00").value == dt.datetime(
        2024, 3, 1, 10, tzinfo=dt.UTC
    )
    assert normalise_datetime("2024-03-01T10:00:00+01:00").value == dt.datetime(
        2024, 3, 1, 9, tzinfo=dt.UTC
    )
    assert normalise_datetime("01/03/2024 10:30").value == dt.datetime(
        2024, 3, 1, 10, 30, tzinfo=dt.UTC
    )
    assert "impossible time" in (normalise_datetime("01/03/2024 25:30").reason or "")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234", "1234"),
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("€ 1.234.567,89", "1234567.89"),
        ("-1.234,5", "-1234.5"),
        ("1 234,56", "1234.56"),
        ("0", "0"),
    ],
)
def test_decimal_comma_numbers(raw: str, value: str) -> None:
    assert normalise_decimal(raw).value == Decimal(value)


def test_decimal_point_convention_when_ambiguous() -> None:
    assert normalise_decimal("1,234", ".").value == Decimal(1234)
    assert normalise_decimal("1,234", ",").value == Decimal("1.234")


@pytest.mark.parametrize("raw", ["1,2,3", "1.234,567.8", "abc", "1..2"])
def test_bad_number_says_why(raw: str) -> None:
    result = normalise_decimal(raw)
    assert not result.valid and result.reason


def test_float_is_refused_as_inexact() -> None:
    assert "not an exact number" in (normalise_decimal(0.1).reason or "")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "platform", "value", "detected", "handle"),
    [
        ("www.Rossi.it/", None, "https://www.rossi.it", WebPlatform.WEBSITE, None),
        (
            "http://twitter.com/mario_rossi?lang=it",
            None,
            "https://x.com/mario_rossi",
            WebPlatform.X,
            "mario_rossi",
        ),
        (
            "https://it.linkedin.com/in/mario-rossi/",
            None,
            "https://www.linkedin.com/in/mario-rossi",
            WebPlatform.LINKEDIN,
            "mario-rossi",
        ),
        ("@mario", "instagram", "https://www.instagram.com/mario", WebPlatform.INSTAGRAM, "mario"),
        (
            "https://m.facebook.com/acme.srl",
            None,
            "https://www.facebook.com/acme.srl",
            WebPlatform.FACEBOOK,
            "acme.srl",
        ),
    ],
)
def test_web_addresses(
    raw: str, platform: str | None, value: str, detected: WebPlatform, handle: str | None
) -> None:
    result = normalise_web(raw, platform)
    assert (result.value, result.platform, result.handle) == (value, detected, handle)


@pytest.mark.parametrize("raw", ["not a url", "ftp://x.it", ""])
def test_bad_web_address_says_why(raw: str) -> None:
    result = normalise_web(raw)
    assert not result.valid and result.reason
