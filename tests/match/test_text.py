"""Folding and match keys."""

from __future__ import annotations

import pytest

from crmhub.match import text


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("D'Àngelo  Nicolò", "d angelo nicolo"),
        ("  ROSSI ", "rossi"),
        ("", ""),
        ("Sant'Elpidio a Mare", "sant elpidio a mare"),
    ],
)
def test_fold_strips_accents_case_and_punctuation(raw: str, folded: str) -> None:
    assert text.fold(raw) == folded


@pytest.mark.parametrize(
    "name",
    [
        "Rossi Costruzioni S.r.l.",
        "ROSSI COSTRUZIONI SRL",
        "Rossi Costruzioni",
        "rossi costruzioni s.r.l. unipersonale",
    ],
)
def test_company_key_drops_legal_form(name: str) -> None:
    assert text.company_key(name) == "rossi costruzioni"


def test_company_key_keeps_different_companies_apart() -> None:
    assert text.company_key("Rossi Impianti SpA") != text.company_key("Rossi Costruzioni SpA")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("P.zza Garibaldi", "piazza garibaldi"),
        ("V.Roma", "via roma"),
        ("C.so Italia 5", "corso italia 5"),
        ("V.le dei Mille", "viale dei mille"),
        ("12 Wallaby Pl", "12 wallaby place"),
    ],
)
def test_street_key_expands_abbreviations(raw: str, key: str) -> None:
    assert text.street_key(raw) == key


def test_email_key_folds_case_dots_and_tags_where_the_provider_does() -> None:
    assert text.email_key("Mario.Rossi+news@GMail.com") == "mariorossi@gmail.com"
    assert text.email_key("Mario.Rossi@Libero.it") == "mario.rossi@libero.it"


@pytest.mark.parametrize("raw", ["IT01234567890", "it 012 345 678 90", "01234567890"])
def test_vat_key_ignores_country_prefix_and_spacing(raw: str) -> None:
    assert text.vat_key(raw) == "01234567890"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("1980-04-03", "19800403"),
        ("19800403", "19800403"),
        ("1980-04-03T00:00:00", "19800403"),
        ("garbage", ""),
    ],
)
def test_date_key(raw: str, key: str) -> None:
    assert text.date_key(raw) == key
