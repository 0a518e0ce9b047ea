"""Countries, languages, genders, legal forms, streets, postcodes, provinces and addresses."""

import pytest

from canonical.data.provinces import PROVINCES
from canonical.normalise import (
    Gender,
    lookup_legal_form,
    normalise_address,
    normalise_country,
    normalise_gender,
    normalise_language,
    normalise_legal_form,
    normalise_postcode,
    normalise_province,
    normalise_street,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Italia", "IT"),
        ("ITALIA", "IT"),
        ("it", "IT"),
        ("ITA", "IT"),
        ("Italy", "IT"),
        ("Germania", "DE"),
        ("Francia", "FR"),
        ("Stati Uniti", "US"),
        ("USA", "US"),
        ("Regno Unito", "GB"),
        ("UK", "GB"),
        ("Svizzera", "CH"),
        ("Città del Vaticano", "VA"),
        ("San Marino", "SM"),
        ("Paesi Bassi", "NL"),
        ("Russia", "RU"),
        ("Côte d'Ivoire", "CI"),
        ("Czech Republic", "CZ"),
        (" spagna ", "ES"),
    ],
)
def test_country_names_and_codes(raw: str, code: str) -> None:
    result = normalise_country(raw)
    assert (result.valid, result.value) == (True, code)


def test_unknown_country_says_why() -> None:
    result = normalise_country("Narnia")
    assert not result.valid and "not a known country" in (result.reason or "")


@pytest.mark.parametrize("raw", ["it", "IT", "ita", "it-IT", "it_IT", "Italian", "Italiano"])
def test_language_forms(raw: str) -> None:
    assert normalise_language(raw).value == "it"


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("M", Gender.MALE),
        ("maschio", Gender.MALE),
        ("F", Gender.FEMALE),
        ("Donna", Gender.FEMALE),
        ("female", Gender.FEMALE),
        ("X", Gender.OTHER),
        ("n.d.", Gender.UNKNOWN),
    ],
)
def test_gender_words(raw: str, gender: Gender) -> None:
    assert normalise_gender(raw).value == gender


@pytest.mark.parametrize(
    ("raw", "name", "form"),
    [
        ("Rossi Mario S.r.l.", "Rossi Mario", "SRL"),
        ("ROSSI MARIO SRL", "ROSSI MARIO", "SRL"),
        ("Rossi Mario s.r.l", "Rossi Mario", "SRL"),
        ("Rossi Mario S.R.L", "Rossi Mario", "SRL"),
        ("Rossi Mario Srl unipersonale", "Rossi Mario", "SRL"),
        ("Rossi Mario S.r.l.s.", "Rossi Mario", "SRLS"),
        ("Acme S.p.A.", "Acme", "SPA"),
        ("Acme spa", "Acme", "SPA"),
        ("Bar Sport S.a.s. di Rossi Mario & C.", "Bar Sport", "SAS"),
        ("S.a.s. di Rossi Mario & C.", "Rossi Mario & C.", "SAS"),
        ("Verdi Snc", "Verdi", "SNC"),
        ("Il Sole Soc. Coop. a r.l.", "Il Sole", "COOP"),
        ("A.S.D. Calcio Milano", "Calcio Milano", "ASD"),
        ("Müller GmbH", "Müller", "GMBH"),
        ("Müller GmbH & Co. KG", "Müller", "GMBH_CO_KG"),
        ("Acme Ltd.", "Acme", "LTD"),
        ("Acme Limited", "Acme", "LTD"),
        ("Acme Inc.", "Acme", "INC"),
        ("Acme, LLC", "Acme", "LLC"),
        ("Acme B.V.", "Acme", "BV"),
        ("Acme (S.r.l.)", "Acme", "SRL"),
        ("Acme Società a responsabilità limitata", "Acme", "SRL"),
        ("Casa Mia", "Casa Mia", None),
        ("Limited Editions", "Limited Editions", None),
    ],
)
def test_legal_form_is_detected_and_stripped(raw: str, name: str, form: str | None) -> None:
    result = normalise_legal_form(raw, "IT")
    assert (result.value, result.form, result.valid) == (name, form, True)


def test_legal_form_qualifiers_and_partners_are_reported() -> None:
    result = normalise_legal_form("Rossi Srl unipersonale in liquidazione")
    assert result.qualifiers == ("single_member", "in_liquidation")
    assert (
        normalise_legal_form("Bar Sport S.a.s. di Rossi Mario & C.").partners == "Rossi Mario & C."
    )


def test_sas_is_italian_or_french_by_country() -> None:
    assert normalise_legal_form("Acme SAS", "IT").form == "SAS"
    assert normalise_legal_form("Acme SAS", "FR").form == "SAS_FR"


def test_name_that_is_only_a_legal_form_is_invalid() -> None:
    result = normalise_legal_form("S.r.l.")
    assert (result.valid, result.value, result.form) == (False, None, "SRL")
    assert "only a legal form" in (result.reason or "")


@pytest.mark.parametrize(
    ("text", "code"),
    [("S.r.l.", "SRL"), ("spa", "SPA"), ("GmbH", "GMBH"), ("SRLS", "SRLS"), ("SAS_FR", "SAS_FR")],
)
def test_legal_form_field_lookup(text: str, code: str) -> None:
    row = lookup_legal_form(text)
    assert row is not None and row.code == code and row.label


def test_unknown_legal_form_field_is_none() -> None:
    assert lookup_legal_form("Kabushiki Kaisha") is None


@pytest.mark.parametrize(
    ("raw", "street", "number", "unit"),
    [
        ("Via Roma 12/A", "Via Roma", "12/A", None),
        ("Via Roma, 12", "Via Roma", "12", None),
        ("V. Roma 12", "Via Roma", "12", None),
        ("C.so Vittorio Emanuele II 45", "Corso Vittorio Emanuele II", "45", None),
        ("P.za Garibaldi 1", "Piazza Garibaldi", "1", None),
        ("P.zza Duomo, 1 int. 3", "Piazza Duomo", "1", "int. 3"),
        ("V.le Monza 12a", "Viale Monza", "12A", None),
        ("L.go Augusto 3", "Largo Augusto", "3", None),
        ("V.lo Stretto 3 bis", "Vicolo Stretto", "3 bis", None),
        ("Str. Provinciale 12", "Strada Provinciale", "12", None),
        ("Loc. Prato", "Località Prato", None, None),
        ("Fraz. San Pietro 3", "Frazione San Pietro", "3", None),
        ("VIA DEI MILLE 5", "Via dei Mille", "5", None),
        ("via della repubblica n. 7", "Via della Repubblica", "7", None),
        ("Via 4 Novembre", "Via 4 Novembre", None, None),
        ("Via XX Settembre 20", "Via XX Settembre", "20", None),
        ("Via Roma snc", "Via Roma", "SNC", None),
        ("Via Roma 12 / b", "Via Roma", "12/B", None),
    ],
)
def test_street_types_and_house_numbers(
    raw: str, street: str, number: str | None, unit: str | None
) -> None:
    result = normalise_street(raw)
    assert (result.value, result.house_number, result.unit) == (street, number, unit)


@pytest.mark.parametrize(
    ("raw", "country", "value"),
    [
        ("20121", "IT", "20121"),
        ("100", "IT", "00100"),
        ("1012ab", "NL", "1012AB"),
        ("sw1a 1aa", "GB", "SW1A 1AA"),
    ],
)
def test_postcodes(raw: str, country: str, value: str) -> None:
    assert normalise_postcode(raw, country).value == value


@pytest.mark.parametrize(("raw", "country"), [("2012345", "IT"), ("ABCDE", "IT"), ("12345", "NL")])
def test_bad_postcode_says_why(raw: str, country: str) -> None:
    result = normalise_postcode(raw, country)
    assert not result.valid and f"not a valid postcode for {country}" in (result.reason or "")


def test_province_table_has_the_107_italian_provinces() -> None:
    assert len(PROVINCES) == 107
    assert all(len(sigla) == 2 and sigla.isupper() for sigla in PROVINCES)


@pytest.mark.parametrize(
    ("raw", "sigla"),
    [
        ("mi", "MI"),
        ("Milano", "MI"),
        ("Provincia di Roma", "RM"),
        ("Reggio nell'Emilia", "RE"),
        ("Monza", "MB"),
        ("SU", "SU"),
    ],
)
def test_province_sigla_and_names(raw: str, sigla: str) -> None:
    assert normalise_province(raw).value == sigla


def test_unknown_province_says_why() -> None:
    result = normalise_province("XX")
    assert not result.valid and "not an Italian province" in (result.reason or "")


def test_address_from_components() -> None:
    result = normalise_address(
        street="VIA ROMA 12/A", postcode="20121", city="MILANO (MI)", country="Italia"
    )
    assert result.valid
    assert (
        result.street,
        result.house_number,
        result.postcode,
        result.city,
        result.province,
        result.region,
        result.country,
    ) == ("Via Roma", "12/A", "20121", "Milano", "MI", "Lombardia", "IT")
    assert result.value == "Via Roma 12/A, 20121 Milano MI, IT"


@pytest.mark.parametrize(
    "lines",
    [
        ("Via Roma 12, 20121 Milano (MI), Italia",),
        ("Via Roma 12", "20121 Milano MI"),
        ("Via Roma, 12", "20121 MILANO"),
    ],
)
def test_address_from_free_text_lines(lines: tuple[str, ...]) -> None:
    result = normalise_address(lines=lines)
    assert (result.street, result.house_number, result.postcode, result.city, result.country) == (
        "Via Roma",
        "12",
        "20121",
        "Milano",
        "IT",
    )


def test_foreign_address_uses_its_country_rules() -> None:
    result = normalise_address(
        street="Hauptstrasse 5", postcode="10115", city="Berlin", country="Germania"
    )
    assert (result.valid, result.country, result.postcode, result.province) == (
        True,
        "DE",
        "10115",
        None,
    )


def test_bad_address_lists_every_problem_and_keeps_components() -> None:
    result = normalise_address(street="Via Roma 1", postcode="123456", city="Milano", province="XX")
    assert not result.valid and result.value is None
    assert "postcode" in (result.reason or "") and "province" in (result.reason or "")
    assert (result.postcode, result.province) == ("123456", "XX")
    assert "123456" in result.raw


def test_address_without_street_or_city_is_invalid() -> None:
    assert "neither a street nor a city" in (normalise_address(country="IT").reason or "")
