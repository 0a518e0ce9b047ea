"""VAT numbers (Partita IVA and EU schemes), codice fiscale and other identifiers."""

import datetime as dt

import pytest

from canonical.normalise import (
    Gender,
    IdScheme,
    Verification,
    normalise_codice_fiscale,
    normalise_identifier,
    normalise_partita_iva,
    normalise_vat,
)
from canonical.normalise.identifier import check_identifier


@pytest.mark.parametrize(
    "raw", ["IT00743110157", "00743110157", "IT 007 431 101 57", "it00743110157", "IT-00743110157"]
)
def test_partita_iva_with_or_without_prefix(raw: str) -> None:
    result = normalise_vat(raw, "IT")
    assert (result.value, result.country, result.prefix, result.number) == (
        "IT00743110157",
        "IT",
        "IT",
        "00743110157",
    )


@pytest.mark.parametrize(
    ("raw", "value", "country"),
    [
        ("EL094259216", "EL094259216", "GR"),
        ("GR094259216", "EL094259216", "GR"),
        ("DE 136 695 976", "DE136695976", "DE"),
        ("FR40303265045", "FR40303265045", "FR"),
        ("ATU13585627", "ATU13585627", "AT"),
        ("XI 980 7806 84", "XI980780684", "GB"),
    ],
)
def test_eu_vat_schemes(raw: str, value: str, country: str) -> None:
    result = normalise_vat(raw, "IT")
    assert (result.valid, result.value, result.country) == (True, value, country)


def test_default_country_prefixes_a_bare_number() -> None:
    assert normalise_vat("094259216", "GR").value == "EL094259216"
    assert normalise_vat("136695976", "DE").value == "DE136695976"


@pytest.mark.parametrize(
    ("raw", "default", "words"),
    [
        ("IT00743110158", "IT", "check digit"),
        ("IT0074311015", "IT", "wrong length"),
        ("CHE-123.456.788", "IT", "not an EU VAT country prefix"),
        ("12345", "US", "no EU VAT scheme"),
        ("", "IT", "empty"),
    ],
)
def test_bad_vat_keeps_raw_and_says_why(raw: str, default: str, words: str) -> None:
    result = normalise_vat(raw, default)
    assert (result.valid, result.value, result.raw) == (False, None, raw)
    assert result.reason is not None and words in result.reason


def test_partita_iva_is_eleven_digits_and_refuses_other_countries() -> None:
    assert normalise_partita_iva("IT 00743110157").value == "00743110157"
    foreign = normalise_partita_iva("DE136695976")
    assert not foreign.valid and "not an Italian Partita IVA" in (foreign.reason or "")


def test_codice_fiscale_person_gives_birth_date_and_gender() -> None:
    result = normalise_codice_fiscale("rss mra 85t10 a562s")
    assert (result.value, result.holder, result.birth_date, result.gender) == (
        "RSSMRA85T10A562S",
        "person",
        dt.date(1985, 12, 10),
        Gender.MALE,
    )


def test_codice_fiscale_woman_has_day_plus_forty() -> None:
    result = normalise_codice_fiscale("CNTCHR83T41D969D")
    assert (result.valid, result.gender, result.birth_date) == (
        True,
        Gender.FEMALE,
        dt.date(1983, 12, 1),
    )


def test_codice_fiscale_omocodia_letters_are_decoded() -> None:
    # RSSMRA85T10A562S with the last digits replaced by omocodia letters (5->R, 6->S, 2->N)
    from stdnum.it.codicefiscale import calc_check_digit

    body = "RSSMRA85T10A5SN"
    result = normalise_codice_fiscale(body + calc_check_digit(body))
    assert result.valid and result.birth_date == dt.date(1985, 12, 10)
    body = "RSSMRA85T1LA562"  # day 10 written 1L
    result = normalise_codice_fiscale(body + calc_check_digit(body))
    assert (result.valid, result.birth_date, result.gender) == (
        True,
        dt.date(1985, 12, 10),
        Gender.MALE,
    )


def test_codice_fiscale_of_an_organization_is_its_partita_iva() -> None:
    result = normalise_codice_fiscale("00743110157")
    assert (result.valid, result.holder, result.birth_date) == (True, "organization", None)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("RSSMRA85T10A562T", "check digit"),
        ("RSSMRA85T10A562", "wrong length"),
        ("RSSMRA85Z10A562S", "characters"),
        ("", "empty"),
    ],
)
def test_bad_codice_fiscale_keeps_raw_and_says_why(raw: str, words: str) -> None:
    result = normalise_codice_fiscale(raw)
    assert (result.valid, result.value, result.raw) == (False, None, raw)
    assert result.reason is not None and words in result.reason


@pytest.mark.parametrize(
    ("scheme", "raw", "value", "verification"),
    [
        (IdScheme.IT_PIVA, "IT00743110157", "00743110157", Verification.CHECKSUM),
        (IdScheme.IT_CF, "RSSMRA85T10A562S", "RSSMRA85T10A562S", Verification.CHECKSUM),
        (IdScheme.EU_VAT, "00743110157", "IT00743110157", Verification.CHECKSUM),
        (IdScheme.LEI, "5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R12", Verification.CHECKSUM),
        (IdScheme.DUNS, "15-048-3782", "150483782", Verification.NONE),
        ("CH_UID", "  CHE-123.456.788 ", "CHE-123.456.788", Verification.NONE),
    ],
)
def test_identifier_schemes(scheme: str, raw: str, value: str, verification: Verification) -> None:
    result = normalise_identifier(scheme, raw, "IT")
    assert (result.valid, result.value, result.verification) == (True, value, verification)


@pytest.mark.parametrize(
    ("scheme", "raw", "words"),
    [
        (IdScheme.DUNS, "12345", "9 digits"),
        (IdScheme.LEI, "5493001KJTIIGC8Y1R13", "LEI"),
        (IdScheme.IT_PIVA, "00743110158", "check digit"),
    ],
)
def test_bad_identifier_says_why(scheme: str, raw: str, words: str) -> None:
    result = normalise_identifier(scheme, raw, "IT")
    assert not result.valid and result.reason is not None and words in result.reason


@pytest.mark.parametrize(
    ("scheme", "raw"),
    [
        (IdScheme.IT_PIVA, "IT00743110157"),
        (IdScheme.IT_PIVA, "00743110158"),
        (IdScheme.IT_CF, "RSSMRA85T10A562S"),
        (IdScheme.IT_CF, "00743110157"),
        (IdScheme.IT_CF, "RSSMRA85T10A562X"),
        (IdScheme.EU_VAT, "00743110157"),
        (IdScheme.EU_VAT, "DE136695976"),
        (IdScheme.EU_VAT, "XX123"),
        (IdScheme.LEI, "5493001KJTIIGC8Y1R12"),
        (IdScheme.DUNS, "12345"),
        (IdScheme.SYSTEM, " C 042 "),
        ("CH_UID", "   "),
    ],
)
def test_identifier_checked_in_parts_says_what_the_result_says(scheme: str, raw: str) -> None:
    # the model reads check_identifier's parts; normalise_identifier builds its result of them
    checked, country, verification = check_identifier(scheme, raw, "DE")
    result = normalise_identifier(scheme, raw, "DE")
    assert (checked.value, checked.valid, checked.reason) == (
        result.value,
        result.valid,
        result.reason,
    )
    assert (country, verification) == (result.country, result.verification)
    assert result.valid or (result.reason and result.verification == Verification.NONE)
