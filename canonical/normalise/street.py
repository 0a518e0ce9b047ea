"""Italian street lines: street type, name, house number and unit.

"V. Roma 12/A" -> street "Via Roma", house number "12/A"; "C.so Vittorio Emanuele II 45"
-> "Corso Vittorio Emanuele II", "45"; "P.zza Duomo, 1 int. 3" -> "Piazza Duomo", "1",
unit "int. 3". Street types come from :mod:`canonical.data.street_types`. Names written
all in capitals or all in lower case are title-cased the Italian way ("VIA DEI MILLE"
-> "Via dei Mille").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from canonical.data.street_types import STREET_LOWERCASE_WORDS, STREET_TYPES
from canonical.normalise.result import Normalised
from canonical.normalise.text import (
    abbreviation_alternation,
    collapse_whitespace,
    is_single_case,
    squash,
    title_case,
)

_HOUSE_NUMBER = re.compile(
    r"(?:^|[\s,]+)(?:n\.?|n°|nr\.?|num\.?|civ\.?|civico)?\s*"
    r"(?P<number>\d+(?:\s*[/\-]\s*(?:\d+|[a-z]{1,2}\b))?(?:\s*[a-z]\b)?(?:\s+(?:bis|ter|quater))?"
    r"|s\.?n\.?c\.?)"
    r"(?:[\s,\-]+(?P<unit>(?:int|interno|scala|sc|piano|pal|palazzina|edificio|ed)\b\.?\s*\S.*))?"
    r"\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreetResult(Normalised[str]):
    """A street line split up: ``value`` is the street without number ("Via Roma").

    Attributes:
        street_type: the canonical street type ("Via", "Piazza"), if written.
        name: the street's name without its type ("Roma").
        house_number: "12/A", "45", "SNC" (senza numero civico), if written.
        unit: what follows the number ("int. 3", "scala B"), if written.
    """

    street_type: str | None = None
    name: str | None = None
    house_number: str | None = None
    unit: str | None = None


@cache
def _street_type_pattern() -> re.Pattern[str]:
    types = abbreviation_alternation(list(STREET_TYPES))
    return re.compile(rf"^(?P<type>{types})(?:\.\s*|\s+)(?P<rest>\S.*)$", re.IGNORECASE)


@cache
def _street_type_index() -> dict[str, str]:
    return {squash(spelling): canonical for spelling, canonical in STREET_TYPES.items()}


@lru_cache(maxsize=16384)
def place_name_case(text: str, *, capitalise_first: bool) -> str:
    """Title-case a street or place name the Italian way when written in one case."""
    return title_case(
        text,
        STREET_LOWERCASE_WORDS,
        capitalise_first=capitalise_first,
        only_upper_words=not is_single_case(text),
    )


@lru_cache(maxsize=4096)
def normalise_house_number(text: str) -> str:
    """ "12 / a" -> "12/A", "12a" -> "12A", "s.n.c." -> "SNC", "12 bis" -> "12 bis"."""
    if squash(text) == "snc":
        return "SNC"
    text = re.sub(r"\s*([/\-])\s*", r"\1", collapse_whitespace(text))
    return re.sub(r"(?<=[\d/\-])\s*([a-zA-Z]{1,2})$", lambda m: m.group(1).upper(), text)


class StreetParts(NamedTuple):
    """A street line split up (what :class:`StreetResult` holds, without the result's frame)."""

    value: str  # the street without number ("Via Roma")
    street_type: str | None
    name: str
    house_number: str | None
    unit: str | None


def split_street(raw: str) -> StreetParts | None:
    """Split a street line into type, name, house number and unit; ``None`` when empty."""
    text = collapse_whitespace(raw).strip(" ,;")
    if not text:
        return None
    street_type = None
    if match := _street_type_pattern().match(text):
        street_type = _street_type_index()[squash(match.group("type"))]
        text = match.group("rest").strip(" ,;")
    number = unit = None
    if (found := _HOUSE_NUMBER.search(text)) and found.start() > 0:
        number = normalise_house_number(found.group("number"))
        unit = collapse_whitespace(found.group("unit")) if found.group("unit") else None
        text = text[: found.start()].strip(" ,;")
    name = place_name_case(text, capitalise_first=street_type is None)
    value = f"{street_type} {name}" if street_type else name
    return StreetParts(value, street_type, name, number, unit)


def normalise_street(raw: str) -> StreetResult:
    """Split a street line into type, name, house number and unit (see the module docstring)."""
    parts = split_street(raw)
    if parts is None:
        return StreetResult.fail(raw, "the street is empty")
    return StreetResult.ok(
        raw,
        parts.value,
        street_type=parts.street_type,
        name=parts.name,
        house_number=parts.house_number,
        unit=parts.unit,
    )
