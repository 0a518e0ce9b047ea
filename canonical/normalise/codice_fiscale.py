"""Italian codice fiscale: 16 characters for a person, 11 digits for an organization.

A valid personal code also tells the birth date and gender. Omocodia (digits
replaced by the letters L M N P Q R S T U V to tell apart people who would
otherwise share a code) is accepted and decoded.

A code written as 16 (or 11) plain letters and digits is checked directly here, by the
rules of python-stdnum 2.2 (``stdnum.it.codicefiscale``); any other writing, and every code
that fails (whose reason must be explained), goes through python-stdnum itself.
``tests/canonical/test_canonical_fast_paths.py`` proves the two agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.it import codicefiscale

from canonical.normalise.checksum_errors import explain
from canonical.normalise.gender import Gender
from canonical.normalise.partita_iva import is_ascii_digits, is_valid_partita_iva
from canonical.normalise.result import SLOW_PATH_CACHE_SIZE, Normalised

# The value of a date digit: omocodia writes the digits 0-9 as L M N P Q R S T U V too.
_DATE_DIGIT = {
    **{d: n for n, d in enumerate("0123456789")},
    **{c: n for n, c in enumerate("LMNPQRSTUV")},
}
_FEMALE_DAY_OFFSET = 40
_SHAPE = "expected 16 characters like RSSMRA85T10A562S for a person, 11 digits for an organization"
# A personal code: surname, name, year, month letter, day (+40 for women), birthplace, check
# character; digits may be replaced by omocodia letters.
_PERSONAL_CODE = re.compile(
    r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$"
)
_MONTH_OF_LETTER = {letter: n for n, letter in enumerate("ABCDEHLMPRST", start=1)}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Check-character values of each character in odd (1st, 3rd, ...) and even positions; a digit
# counts as the letter in the same place of the alphabet (0 as A, 1 as B, ...).
_ODD_VALUES = tuple(
    map(
        int,
        [
            "1",
            "0",
            "5",
            "7",
            "9",
            "13",
            "15",
            "17",
            "19",
            "21",
            "2",
            "4",
            "18",
            "20",
            "11",
            "3",
            "6",
            "8",
            "12",
            "14",
            "16",
            "10",
            "22",
            "25",
            "24",
            "23",
        ],
    )
)
_ODD_POSITION_VALUE = {**dict(zip("0123456789", _ODD_VALUES)), **dict(zip(_LETTERS, _ODD_VALUES))}
_EVEN_POSITION_VALUE = {**dict(zip("0123456789", range(10))), **dict(zip(_LETTERS, range(26)))}
_STDNUM_MIN_YEAR = 1920  # the century python-stdnum's validate() reads a birth year in


@dataclass(frozen=True, slots=True, kw_only=True)
class CodiceFiscaleResult(Normalised[str]):
    """A normalised codice fiscale (upper-case, no separators).

    Attributes:
        holder: "person" (16 characters) or "organization" (11 digits).
        birth_date: the birth date a personal code encodes (``None`` otherwise).
        gender: the gender a personal code encodes (``None`` otherwise).
    """

    holder: str | None = None
    birth_date: dt.date | None = None
    gender: Gender | None = None


def normalise_codice_fiscale(raw: str) -> CodiceFiscaleResult:
    """Validate a codice fiscale and decode birth date and gender from a personal one."""
    if raw.isascii() and raw.isalnum():  # nothing for stdnum's compact() to clean but the case
        code = raw.upper()
        if len(code) == 16 and _is_valid_personal_code(code):
            return _personal(raw, code)
        if is_ascii_digits(code, 11) and is_valid_partita_iva(code):
            return CodiceFiscaleResult.ok(raw, code, holder="organization")
    return _normalise_with_stdnum(raw)


def _is_valid_personal_code(code: str) -> bool:
    """python-stdnum's check of a 16-character code: shape, check character, birth date."""
    if _PERSONAL_CODE.match(code) is None:
        return False
    total = sum(map(_ODD_POSITION_VALUE.__getitem__, code[0:15:2])) + sum(
        map(_EVEN_POSITION_VALUE.__getitem__, code[1:15:2])
    )
    return (
        _LETTERS[total % 26] == code[15] and encoded_birth_date(code, _STDNUM_MIN_YEAR) is not None
    )


def encoded_birth_date(code: str, minyear: int) -> dt.date | None:
    """The birth date a personal code of the right shape encodes, its year placed in
    ``minyear`` ... ``minyear + 99``; ``None`` when no such day exists (31 February)."""
    return _date_of(_date_fields(code), minyear)


def _date_of(fields: tuple[int, int, int], minyear: int) -> dt.date | None:
    """:func:`encoded_birth_date` of a code's :func:`_date_fields`."""
    year, month, day_field = fields
    year += minyear // 100 * 100
    if year < minyear:
        year += 100
    try:
        return dt.date(year, month, day_field % _FEMALE_DAY_OFFSET)
    except ValueError:
        return None


def _date_fields(code: str) -> tuple[int, int, int]:
    """(two-digit year, month, day field: the day, plus 40 for a woman) of a personal code."""
    digit = _DATE_DIGIT
    return (
        digit[code[6]] * 10 + digit[code[7]],
        _MONTH_OF_LETTER[code[8]],
        digit[code[9]] * 10 + digit[code[10]],
    )


def _personal(raw: str, code: str) -> CodiceFiscaleResult:
    fields = _date_fields(code)  # read once for the birth date and the gender
    return CodiceFiscaleResult(
        raw=raw,
        value=code,
        valid=True,
        holder="person",
        birth_date=_birth_date(fields),
        gender=Gender.FEMALE if fields[2] > _FEMALE_DAY_OFFSET else Gender.MALE,
    )


@lru_cache(maxsize=SLOW_PATH_CACHE_SIZE)
def _normalise_with_stdnum(raw: str) -> CodiceFiscaleResult:
    text = codicefiscale.compact(raw)
    if not text:
        return CodiceFiscaleResult.fail(raw, "the codice fiscale is empty")
    try:
        value = codicefiscale.validate(text)
    except ValidationError as exc:
        return CodiceFiscaleResult.fail(
            raw, f"{raw!r} is not a valid codice fiscale: {explain(exc)} ({_SHAPE})"
        )
    if len(value) == 11:
        return CodiceFiscaleResult.ok(raw, value, holder="organization")
    return _personal(raw, value)


def _birth_date(fields: tuple[int, int, int]) -> dt.date:
    """The birth date of a code's :func:`_date_fields`, placed in the 100 years up to today
    (codes store 2-digit years)."""
    today = dt.date.today()
    born = _date_of(fields, today.year - 99)
    if born is None:  # 29 February of a year that is not a leap year: stdnum raises here too
        raise InvalidComponent()
    if born > today:
        born = _years_earlier(born, 100)
    return born


def _years_earlier(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that is not a leap year
        return day.replace(year=day.year - years, day=28)
