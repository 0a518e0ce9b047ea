"""Italian codice fiscale: 16 characters for a person, 11 digits for an organization.

A valid personal code also tells the birth date and gender. Omocodia (digits
replaced by the letters L M N P Q R S T U V to tell apart people who would
otherwise share a code) is accepted and decoded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale

from canonical.normalise.checksum_errors import explain
from canonical.normalise.gender import Gender
from canonical.normalise.result import Normalised

_OMOCODIA_DIGITS = str.maketrans("LMNPQRSTUV", "0123456789")
_FEMALE_DAY_OFFSET = 40
_SHAPE = "expected 16 characters like RSSMRA85T10A562S for a person, 11 digits for an organization"


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


@lru_cache(maxsize=16384)
def normalise_codice_fiscale(raw: str) -> CodiceFiscaleResult:
    """Validate a codice fiscale and decode birth date and gender from a personal one."""
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
    return CodiceFiscaleResult.ok(
        raw, value, holder="person", birth_date=_birth_date(value), gender=_gender(value)
    )


def _birth_date(code: str) -> dt.date:
    """The encoded birth date, placed in the 100 years up to today (codes store 2-digit years)."""
    today = dt.date.today()
    born = codicefiscale.get_birth_date(code, minyear=today.year - 99)
    if born > today:
        born = _years_earlier(born, 100)
    return born


def _years_earlier(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that is not a leap year
        return day.replace(year=day.year - years, day=28)


def _gender(code: str) -> Gender:
    day_field = int(code[9:11].translate(_OMOCODIA_DIGITS))
    return Gender.FEMALE if day_field > _FEMALE_DAY_OFFSET else Gender.MALE
