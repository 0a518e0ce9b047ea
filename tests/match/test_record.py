"""MatchRecord.from_values: what a record reads from its values beyond folding them."""

from __future__ import annotations

import pytest
from stdnum.it import codicefiscale

from crmhub.match import MatchRecord
from crmhub.match.record import implied_birth_date


def personal_code(body: str) -> str:
    """A valid codice fiscale: the 15 characters given, then their check character."""
    return body + codicefiscale.calc_check_digit(body)


def test_a_person_without_a_birth_date_takes_the_one_the_codice_fiscale_encodes() -> None:
    woman = personal_code("DXXRNI59A59H501")  # 19 January 1959, a woman (day + 40)
    record = MatchRecord.from_values("r", given_name="Irene", national_id=woman.lower())
    assert record.birth_date == "19590119"


def test_a_stated_birth_date_wins_over_the_codice_fiscale() -> None:
    code = personal_code("RSSMRA85T10A562")  # 10 December 1985
    record = MatchRecord.from_values("r", national_id=code, birth_date="1985-12-11")
    assert record.birth_date == "19851211"


def test_omocodia_letters_are_read_as_digits() -> None:
    # 8 -> U, 5 -> R in the year: an omocode of 10 December 1985
    assert implied_birth_date(personal_code("RSSMRAURT10A562").lower()) == "19851210"


@pytest.mark.parametrize(
    "national_id",
    [
        "rssmra85t10a562x",  # wrong check character
        "12345678901",  # an organisation's codice fiscale
        "9876543",  # a social security number (FEBRL)
        "",
    ],
)
def test_nothing_is_implied_by_an_id_that_is_not_a_valid_personal_code(national_id: str) -> None:
    assert implied_birth_date(national_id) == ""
    assert MatchRecord.from_values("r", national_id=national_id).birth_date == ""


def test_an_organisation_takes_no_birth_date_from_its_codice_fiscale() -> None:
    sole_trader = personal_code("RSSMRA85T10A562")
    record = MatchRecord.from_values(
        "r", "organization", company_name="Rossi Mario", national_id=sole_trader
    )
    assert record.birth_date == ""
