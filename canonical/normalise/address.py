"""Postal addresses: components or free-text lines -> checked, normalised components.

Streets, postcodes and provinces have their own normalisers (``street``, ``postcode``,
``province``); this module puts them together, reads Italian free-text lines ("Via Roma
12, 20121 Milano (MI), Italia"), takes "(MI)" out of "Milano (MI)", and decides whether
the address as a whole is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from canonical.normalise.country import normalise_country
from canonical.normalise.postcode import normalise_postcode
from canonical.normalise.province import is_province_sigla, normalise_province
from canonical.normalise.result import Normalised
from canonical.normalise.street import normalise_house_number, normalise_street, place_name_case
from canonical.normalise.text import collapse_whitespace

_CITY_WITH_SIGLA = re.compile(r"^(?P<city>.*?)\s*\((?P<sigla>[A-Za-z]{2})\)$")
_POSTCODE_CITY = re.compile(
    r"^(?P<postcode>(?:[A-Z]{1,2}-)?\d{4,5}(?:-\d{3,4})?)\s+(?P<city>.+?)"
    r"(?:\s*\((?P<sigla>[A-Za-z]{2})\)|\s+(?P<bare_sigla>[A-Z]{2}))?$"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressResult(Normalised[str]):
    """A normalised postal address: ``value`` is a one-line rendering of it.

    The components are normalised where valid and kept as written where not; the
    ``reason`` lists every problem found, separated by "; ".
    """

    street: str | None = None
    house_number: str | None = None
    unit: str | None = None
    postcode: str | None = None
    city: str | None = None
    province: str | None = None
    region: str | None = None
    country: str | None = None


# --- city ---------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def normalise_city(raw: str) -> str:
    """Display form of a city name: whitespace collapsed, capitals title-cased ("L'Aquila")."""
    return place_name_case(collapse_whitespace(raw), capitalise_first=True)


# --- whole address --------------------------------------------------------------------------


@dataclass(slots=True)
class _Parts:
    """Address components while they are being normalised (mutable scratch space)."""

    street: str | None = None
    house_number: str | None = None
    unit: str | None = None
    postcode: str | None = None
    city: str | None = None
    province: str | None = None
    region: str | None = None
    country: str | None = None


_COMPONENTS = _Parts.__slots__


@lru_cache(maxsize=16384)
def normalise_address(
    *,
    street: str | None = None,
    house_number: str | None = None,
    unit: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    province: str | None = None,
    region: str | None = None,
    country: str | None = None,
    lines: tuple[str, ...] = (),
    raw: str | None = None,
    default_country: str = "IT",
) -> AddressResult:
    """Normalise an address given as components, as free-text ``lines``, or both.

    Free-text lines are read the Italian way ("Via Roma 12, 20121 Milano (MI), Italia")
    and only fill components that were not given. ``country`` defaults to
    ``default_country``. The address is valid when the country is known, the postcode
    (if any) has the country's shape, an Italian province (if any) exists, and there is
    a street or a city.
    """
    given = (street, house_number, unit, postcode, city, province, region, country)
    if raw is None:
        raw = ", ".join((*lines, *(v for v in given if v)))
    parts = _Parts(*(_clean(v) for v in given))
    if lines:
        _fill_from_lines(parts, lines)
    problems: list[str] = []
    parts.country = _country(parts.country, default_country, problems)
    _normalise_street_parts(parts)
    if parts.city:
        _split_city_sigla(parts)
        parts.city = normalise_city(parts.city)
    if parts.postcode:
        checked = normalise_postcode(parts.postcode, parts.country or default_country)
        parts.postcode = checked.value if checked.valid else parts.postcode
        _note(problems, checked)
    if parts.province and (parts.country or default_country) == "IT":
        _normalise_province_part(parts, problems)
    elif parts.province:
        parts.province = collapse_whitespace(parts.province)
    if parts.region:
        parts.region = normalise_city(parts.region)
    if not parts.street and not parts.city:
        problems.append("the address has neither a street nor a city")
    return AddressResult(
        raw=raw,
        value=None if problems else _one_line(parts),
        valid=not problems,
        reason="; ".join(problems) or None,
        street=parts.street,
        house_number=parts.house_number,
        unit=parts.unit,
        postcode=parts.postcode,
        city=parts.city,
        province=parts.province,
        region=parts.region,
        country=parts.country,
    )


def _one_line(parts: _Parts) -> str:
    """One-line rendering: "Via Roma 12/A int. 3, 20121 Milano MI, IT"."""
    street = " ".join(p for p in (parts.street, parts.house_number, parts.unit) if p)
    place = " ".join(p for p in (parts.postcode, parts.city, parts.province) if p)
    return ", ".join(p for p in (street, place, parts.country) if p)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = collapse_whitespace(value).strip(" ,;")
    return text or None


def _note(problems: list[str], result: Normalised[str]) -> None:
    if not result.valid and result.reason:
        problems.append(result.reason)


def _country(country: str | None, default_country: str, problems: list[str]) -> str | None:
    checked = normalise_country(country or default_country)
    _note(problems, checked)
    return checked.value if checked.valid else country


def _normalise_street_parts(parts: _Parts) -> None:
    if not parts.street:
        if parts.house_number:
            parts.house_number = normalise_house_number(parts.house_number)
        return
    split = normalise_street(parts.street)
    if (
        parts.house_number is None
        or normalise_house_number(parts.house_number) == split.house_number
    ):
        parts.street = split.value
        parts.house_number, parts.unit = split.house_number, parts.unit or split.unit
    else:  # the street line holds another number too: keep it whole, do not guess
        parts.street = normalise_city(parts.street)
        parts.house_number = normalise_house_number(parts.house_number)


def _split_city_sigla(parts: _Parts) -> None:
    """Move "(MI)" out of "Milano (MI)" into the province when no province was given."""
    if not (parts.city or "").endswith(")"):
        return
    match = _CITY_WITH_SIGLA.match(parts.city or "")
    if match and match.group("city"):
        parts.city = match.group("city")
        parts.province = parts.province or match.group("sigla")


def _normalise_province_part(parts: _Parts, problems: list[str]) -> None:
    checked = normalise_province(parts.province or "")
    _note(problems, checked)
    if checked.valid:
        parts.province = checked.value
        parts.region = parts.region or checked.region


def _fill_from_lines(parts: _Parts, lines: tuple[str, ...]) -> None:
    """Read free-text lines into the components that are still empty."""
    segments = [s for line in lines for s in (collapse_whitespace(x) for x in line.split(",")) if s]
    place_at = next(
        (i for i in range(len(segments) - 1, -1, -1) if _POSTCODE_CITY.match(segments[i])), None
    )
    if place_at is None:
        street_segments, tail = segments[:1], segments[1:]
    else:
        place = _POSTCODE_CITY.match(segments[place_at])
        assert place is not None
        parts.postcode = parts.postcode or place.group("postcode")
        parts.city = parts.city or place.group("city")
        sigla = place.group("sigla") or _known_sigla(place.group("bare_sigla"))
        parts.province = parts.province or sigla
        if place.group("bare_sigla") and not sigla:
            parts.city = f"{parts.city} {place.group('bare_sigla')}"
        street_segments, tail = segments[:place_at], segments[place_at + 1 :]
    if street_segments and not parts.street:
        parts.street = " ".join(street_segments)
    for segment in tail:
        if not parts.country and normalise_country(segment).valid:
            parts.country = segment
        elif not parts.city and place_at is None:
            parts.city = segment


def _known_sigla(text: str | None) -> str | None:
    return text if text and is_province_sigla(text.upper()) else None
