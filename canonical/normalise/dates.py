"""Dates and timestamps written the Italian way, the ISO way, or as date objects.

Only explicit formats are accepted; nothing is guessed from ambiguous text:
  - day first: dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy (one-digit day and month allowed);
  - ISO: yyyy-mm-dd, optionally followed by a time ("1985-12-10T00:00:00Z").
Two-digit years are refused (is "10/12/25" 1925 or 2025?). Impossible dates are refused
with a reason ("30/02/2020: February 2020 has 29 days").

Timestamps: ISO 8601 or "dd/mm/yyyy HH:MM[:SS]". A timestamp without a time zone is
taken to be UTC (the hub stores every instant in UTC) and every result is converted to UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from canonical.normalise.result import Normalised

_DAY_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2,4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\S.*)?$")
_DAY_FIRST_TIME = re.compile(
    r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$"
)
_FORMATS_HINT = "expected dd/mm/yyyy, dd.mm.yyyy or yyyy-mm-dd"


@dataclass(frozen=True, slots=True, kw_only=True)
class DateResult(Normalised[dt.date]):
    """A parsed calendar date."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DateTimeResult(Normalised[dt.datetime]):
    """A parsed instant, always tz-aware in UTC."""


def ensure_utc(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is dt.UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@lru_cache(maxsize=16384)
def _parse_date_text(raw: str) -> DateResult:
    text = raw.strip()
    if not text:
        return DateResult.fail(raw, "the date is empty")
    if match := _DAY_FIRST.match(text):
        day, _, month, year = match.groups()
        if len(year) != 4:
            return DateResult.fail(
                raw, f"{raw!r} has a {len(year)}-digit year; write all four digits"
            )
        return _build_date(raw, int(year), int(month), int(day))
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
        return _build_date(raw, int(year), int(month), int(day))
    return DateResult.fail(raw, f"{raw!r} is not a date ({_FORMATS_HINT})")


def normalise_date(raw: str | dt.date) -> DateResult:
    """Parse a date (see the module docstring for the accepted formats).

    A ``date`` passes through unchanged; a ``datetime`` gives its UTC date.
    """
    if isinstance(raw, dt.datetime):
        return DateResult.ok(raw.isoformat(), ensure_utc(raw).date())
    if isinstance(raw, dt.date):
        return DateResult.ok(raw.isoformat(), raw)
    return _parse_date_text(raw)


def normalise_datetime(raw: str | dt.datetime) -> DateTimeResult:
    """Parse a timestamp (ISO 8601 or "dd/mm/yyyy HH:MM[:SS]"), returned in UTC."""
    if isinstance(raw, dt.datetime):
        return DateTimeResult.ok(raw.isoformat(), ensure_utc(raw))
    text = raw.strip()
    if match := _DAY_FIRST_TIME.match(text):
        day, _, month, year, hour, minute, second = match.groups()
        checked = _build_date(raw, int(year), int(month), int(day))
        if not checked.valid or checked.value is None:
            return DateTimeResult.fail(raw, checked.reason or "invalid date")
        try:
            clock = dt.time(int(hour), int(minute), int(second or 0))
        except ValueError:
            return DateTimeResult.fail(raw, f"{raw!r} has an impossible time of day")
        return DateTimeResult.ok(raw, dt.datetime.combine(checked.value, clock, dt.UTC))
    try:
        return DateTimeResult.ok(raw, ensure_utc(dt.datetime.fromisoformat(text)))
    except ValueError:
        return DateTimeResult.fail(
            raw, f"{raw!r} is not a timestamp (expected ISO 8601 or dd/mm/yyyy HH:MM[:SS])"
        )


def _build_date(raw: str, year: int, month: int, day: int) -> DateResult:
    if not 1 <= month <= 12:
        return DateResult.fail(
            raw, f"{raw!r} is impossible: there is no month {month} ({_FORMATS_HINT})"
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        month_name = calendar.month_name[month]
        return DateResult.fail(
            raw, f"{raw!r} is impossible: {month_name} {year} has {days_in_month} days, not {day}"
        )
    if year < 1:
        return DateResult.fail(raw, f"{raw!r} is impossible: year {year}")
    return DateResult.ok(raw, dt.date(year, month, day))
