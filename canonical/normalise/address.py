"""Postal addresses: components or free-text lines -> checked, normalised components.

Streets, postcodes and provinces have their own normalisers (``street``, ``postcode``,
``province``); this module puts them together, reads Italian free-text lines ("Via Roma
12, 20121 Milano (MI), Italia"), takes "(MI)" out of "Milano (MI)", and decides whether
the address as a whole is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from canonical.normalise.country import normalise_country
from canonical.normalise.postcode import normalise_postcode
from canonical.normalise.province import is_province_sigla, normalise_province
from canonical.normalise.result import Normalised
from canonical.normalise.street import normalise_house_number, place_name_case, split_street
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
    """Address components while they are read from free-text lines (mutable scratch space)."""

    street: str | None = None
    house_number: str | None = None
    unit: str | None = None
    postcode: str | None = None
    city: str | None = None
    province: str | None = None
    region: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class _Place:
    """The place part of an address, normalised: everything but street, number and unit."""

    postcode: str | None
    city: str | None
    province: str | None
    region: str | None
    country: str | None
    problems: tuple[str, ...]  # what is wrong with it, in the order found
    line: str  # its part of the one-line rendering: "20121 Milano MI"
    # the components that are not ``None``, by name: derived, so not compared (read only)
    fields: dict[str, str] = field(compare=False)


ADDRESS_COMPONENTS: tuple[str, ...] = (
    "street",
    "house_number",
    "unit",
    "postcode",
    "city",
    "province",
    "region",
    "country",
)


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
    fields = address_fields(
        (street, house_number, unit, postcode, city, province, region, country),
        lines,
        raw,
        default_country,
    )
    return AddressResult(
        raw=fields["raw"],
        value=fields["value"],
        valid=fields["valid"],
        reason=fields["invalid_reason"],
        **{name: fields.get(name) for name in ADDRESS_COMPONENTS},
    )


def address_fields(
    given: tuple[str | None, ...],
    lines: tuple[str, ...],
    raw: str | None,
    default_country: str,
) -> dict[str, Any]:
    """:func:`normalise_address` for the address model, without the result object.

    ``given`` holds the components in the order of :data:`ADDRESS_COMPONENTS`. Returns the
    normalised components that are not ``None``, and ``raw``, ``value``, ``valid`` and
    ``invalid_reason``, named as the model names them.
    """
    street, house_number, unit, postcode, city, province, region, country = given
    if raw is None:
        raw = ", ".join((*lines, *filter(None, given)))
    if lines:
        parts = _Parts(*(_clean(v) for v in given))
        _fill_from_lines(parts, lines)
        street, house_number, unit = parts.street, parts.house_number, parts.unit
        place = _place(
            parts.postcode,
            parts.city,
            parts.province,
            parts.region,
            parts.country,
            default_country,
        )
    else:  # the place part of an address repeats from record to record: it is cached
        street = _clean(street)
        house_number = _clean(house_number) if house_number is not None else None
        unit = _clean(unit) if unit is not None else None
        place = _place_as_given(postcode, city, province, region, country, default_country)
    street, house_number, unit = _street_parts(street, house_number, unit)
    problems = place.problems
    if not street and not place.city:
        problems = (*problems, "the address has neither a street nor a city")
    fields: dict[str, Any] = {}
    if street is not None:
        fields["street"] = street
    if house_number is not None:
        fields["house_number"] = house_number
    if unit is not None:
        fields["unit"] = unit
    fields.update(place.fields)
    fields["raw"] = raw
    if problems:
        fields["value"] = None
        fields["valid"] = False
        fields["invalid_reason"] = "; ".join(problems)
    else:
        street_line = " ".join(filter(None, (street, house_number, unit)))
        fields["value"] = ", ".join(filter(None, (street_line, place.line, place.country)))
        fields["valid"] = True
        fields["invalid_reason"] = None
    return fields


@lru_cache(maxsize=16384)
def _place_as_given(
    postcode: str | None,
    city: str | None,
    province: str | None,
    region: str | None,
    country: str | None,
    default_country: str,
) -> _Place:
    return _place(
        _clean(postcode),
        _clean(city),
        _clean(province),
        _clean(region),
        _clean(country),
        default_country,
    )


def _place(
    postcode: str | None,
    city: str | None,
    province: str | None,
    region: str | None,
    country: str | None,
    default_country: str,
) -> _Place:
    """Normalise the place components (already cleaned of stray spaces and commas)."""
    problems: list[str] = []
    country = _country(country, default_country, problems)
    if city:
        city, province = _split_city_sigla(city, province)
        city = normalise_city(city)
    if postcode:
        checked = normalise_postcode(postcode, country or default_country)
        postcode = checked.value if checked.valid else postcode
        _note(problems, checked)
    if province and (country or default_country) == "IT":
        checked_province = normalise_province(province)
        _note(problems, checked_province)
        if checked_province.valid:
            province = checked_province.value
            region = region or checked_province.region
    elif province:
        province = collapse_whitespace(province)
    if region:
        region = normalise_city(region)
    line = " ".join(p for p in (postcode, city, province) if p)
    named = (
        ("postcode", postcode),
        ("city", city),
        ("province", province),
        ("region", region),
        ("country", country),
    )
    fields = {name: value for name, value in named if value is not None}
    return _Place(postcode, city, province, region, country, tuple(problems), line, fields)


def _street_parts(
    street: str | None, house_number: str | None, unit: str | None
) -> tuple[str | None, str | None, str | None]:
    """Normalised (street, house number, unit); a number written in the street line is
    taken out of it unless a different one was given apart."""
    if not street:
        return street, normalise_house_number(house_number) if house_number else house_number, unit
    split = split_street(street)
    split_value, split_number, split_unit = (
        (split.value, split.house_number, split.unit) if split else (None, None, None)
    )
    if house_number is None or normalise_house_number(house_number) == split_number:
        return split_value, split_number, unit or split_unit
    # the street line holds another number too: keep it whole, do not guess
    return normalise_city(street), normalise_house_number(house_number), unit


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


def _split_city_sigla(city: str, province: str | None) -> tuple[str, str | None]:
    """Move "(MI)" out of "Milano (MI)" into the province when no province was given."""
    if not city.endswith(")"):
        return city, province
    match = _CITY_WITH_SIGLA.match(city)
    if match and match.group("city"):
        return match.group("city"), province or match.group("sigla")
    return city, province


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
