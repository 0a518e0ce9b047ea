"""Countries written as ISO codes or names (Italian or English) -> ISO 3166-1 alpha-2."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import pycountry

from canonical.data.country_names import COUNTRY_ALIASES
from canonical.normalise.result import Normalised
from canonical.normalise.text import fold


@dataclass(frozen=True, slots=True, kw_only=True)
class CountryResult(Normalised[str]):
    """A normalised country: ``value`` is the ISO alpha-2 code ("IT").

    Attributes:
        name: the country's English short name ("Italy").
    """

    name: str | None = None


@cache
def _country_index() -> dict[str, str]:
    """Every folded spelling pycountry knows (codes and names) -> alpha-2, plus the alias table."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for spelling in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            text = getattr(country, spelling, None)
            if text:
                index[fold(text)] = country.alpha_2
    index.update({fold(name): code for name, code in COUNTRY_ALIASES.items()})
    return index


@lru_cache(maxsize=4096)
def normalise_country(raw: str) -> CountryResult:
    """Normalise a country code or name: "Italia", "ITA", "it", "Germany" -> "IT", "IT", "IT", "DE"."""
    key = fold(raw)
    if not key:
        return CountryResult.fail(raw, "the country is empty")
    code = _country_index().get(key)
    if code is None:
        return CountryResult.fail(
            raw,
            f"{raw!r} is not a known country (hint: use an ISO 3166 code such as IT, DE, FR, "
            "or the name in Italian or English)",
        )
    known = pycountry.countries.get(alpha_2=code)
    return CountryResult.ok(raw, code, name=known.name if known else None)


def is_country_code(code: str) -> bool:
    """True when ``code`` is an assigned ISO 3166-1 alpha-2 code (upper case)."""
    return len(code) == 2 and code.isupper() and _country_index().get(fold(code)) == code
