"""Parsing dates and times by explicit format, fast.

``datetime.strptime`` costs tens of microseconds a call, and an export has a timestamp or two
on every row. Formats built only from ``%d %m %Y %y %H %M %S`` and literal characters (what
ERP exports use) are compiled once into a regular expression; any other format goes to
``strptime``. Both give the same answers: ``tests/mapping/test_datetimes.py`` checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

Parser = Callable[[str], datetime]

_DIRECTIVES = {
    "d": r"(?P<day>\d{1,2})",
    "m": r"(?P<month>\d{1,2})",
    "Y": r"(?P<year>\d{4})",
    "y": r"(?P<year2>\d{2})",
    "H": r"(?P<hour>\d{1,2})",
    "M": r"(?P<minute>\d{1,2})",
    "S": r"(?P<second>\d{1,2})",
}


def _regex_for(fmt: str) -> re.Pattern[str] | None:
    parts, i, used = [], 0, set()
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            directive = fmt[i + 1 : i + 2]
            if directive not in _DIRECTIVES or directive in used:
                return None
            used.add(directive)
            parts.append(_DIRECTIVES[directive])
            i += 2
        elif ch.isspace():
            parts.append(r"\s+")  # strptime lets any run of white space match a space
            i += 1
        else:
            parts.append(re.escape(ch))
            i += 1
    return re.compile("".join(parts) + r"\Z", re.ASCII)


def _year(groups: dict[str, str | None]) -> int:
    if groups.get("year"):
        return int(groups["year"])  # type: ignore[arg-type]
    if groups.get("year2"):
        short = int(groups["year2"])  # type: ignore[arg-type]
        return 1900 + short if short >= 69 else 2000 + short  # strptime's POSIX pivot
    return 1900


@lru_cache(maxsize=256)
def parser_for(fmt: str) -> Parser:
    """A function parsing ``fmt`` exactly as ``datetime.strptime(text, fmt)`` would."""
    regex = _regex_for(fmt)
    if regex is None:
        return lambda text: datetime.strptime(text, fmt)

    def parse(text: str) -> datetime:
        match = regex.match(text)
        if match is None:
            raise ValueError(f"time data {text!r} does not match format {fmt!r}")
        g = match.groupdict()
        return datetime(
            _year(g), int(g.get("month") or 1), int(g.get("day") or 1),
            int(g.get("hour") or 0), int(g.get("minute") or 0), int(g.get("second") or 0),
        )

    return parse
