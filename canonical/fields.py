"""Field types shared by the canonical models: each checks (and normalises) one kind of value.

Text input goes through the matching normaliser in ``canonical.normalise``; a value
that fails raises a ``ValueError`` with the normaliser's reason, which pydantic reports
with the field's path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BeforeValidator, ValidatorFunctionWrapHandler, WrapValidator

from canonical.normalise.dates import ensure_utc, normalise_date, normalise_datetime
from canonical.normalise.gender import Gender, normalise_gender
from canonical.normalise.language import normalise_language
from canonical.normalise.names import normalise_name
from canonical.normalise.result import Normalised
from canonical.normalise.text import collapse_whitespace


def _checked_by(normalise: Callable[[str], Normalised[Any]]) -> Callable[[Any], Any]:
    """A validator passing text through ``normalise`` and refusing what it finds invalid."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        result = normalise(value)
        if not result.valid:
            raise ValueError(result.reason)
        return result.value

    return check


_check_datetime_text = _checked_by(normalise_datetime)


def _parse_timestamp(value: Any) -> Any:
    # ISO text is left to pydantic's fast parser; other text gets the Italian formats too.
    if isinstance(value, str) and not (
        len(value) >= 10 and value[4] == "-" and value[:4].isdigit()
    ):
        return _check_datetime_text(value)
    return value


# The plainest ISO 8601 timestamps, as sources and mappings write them: both the standard
# library and pydantic read them the same way, so the library's parser (fast, and without a
# second trip into Python) reads them; every other input goes the general way.
_PLAIN_ISO_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6})?(?:Z|[+-]\d{2}:\d{2})?$"
)


def _utc_timestamp(value: Any, handler: ValidatorFunctionWrapHandler) -> dt.datetime:
    if value.__class__ is str and _PLAIN_ISO_TIMESTAMP.match(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:  # 30 February, 25 o'clock: pydantic words the error
            pass
        else:
            return ensure_utc(moment)
    return ensure_utc(handler(_parse_timestamp(value)))


def _collapse(value: Any) -> Any:
    return collapse_whitespace(value) if isinstance(value, str) else value


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _check_currency(value: str) -> str:
    code = value.upper()
    if code not in _currency_codes():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD, GBP)")
    return code


UtcDateTime = Annotated[dt.datetime, WrapValidator(_utc_timestamp)]
"""A tz-aware instant in UTC. Naive input is taken to be UTC (the hub's convention: sources
that write local time without an offset must say so in their mapping); aware input is
converted to UTC. Accepts ISO 8601 text and "dd/mm/yyyy HH:MM[:SS]"."""

CalendarDate = Annotated[dt.date, BeforeValidator(_checked_by(normalise_date))]
"""A date; text may be dd/mm/yyyy, dd.mm.yyyy or yyyy-mm-dd (impossible dates are refused)."""

Text = Annotated[str, BeforeValidator(_collapse)]
"""Free text with whitespace runs collapsed to one space."""

PersonName = Annotated[str, BeforeValidator(_checked_by(normalise_name))]
"""A person name in display form (see ``canonical.normalise.names``)."""

GenderValue = Annotated[Gender, BeforeValidator(_checked_by(normalise_gender))]
"""A gender; accepts "M", "F", "maschio", "female", ..."""

LanguageCode = Annotated[str, BeforeValidator(_checked_by(normalise_language))]
"""ISO 639-1 language code; accepts "IT", "ita", "it-IT", "Italiano", ..."""

CurrencyCode = Annotated[str, AfterValidator(_check_currency)]
"""ISO 4217 currency code ("EUR")."""
