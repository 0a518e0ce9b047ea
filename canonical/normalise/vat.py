"""VAT numbers: Partita IVA and every EU scheme (python-stdnum), with or without prefix.

The normalised ``value`` is the VIES form: country prefix plus compact number
("IT00743110157", "EL094259216"). Greece's prefix is EL (GR is accepted on input);
Northern Ireland's is XI.

An Italian number that is already 11 plain digits (with or without "IT") is checked directly
(:mod:`canonical.normalise.partita_iva`); every other number, and every one that fails, goes
through python-stdnum, whose answers are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from canonical.normalise.checksum_errors import explain
from canonical.normalise.partita_iva import is_ascii_digits, is_valid_partita_iva
from canonical.normalise.result import SLOW_PATH_CACHE_SIZE, Normalised

# VAT prefix -> ISO 3166-1 alpha-2 country, for the prefixes that differ.
_PREFIX_COUNTRY: dict[str, str] = {"EL": "GR", "XI": "GB"}
_COUNTRY_PREFIX: dict[str, str] = {"GR": "EL"}
VAT_PREFIXES: frozenset[str] = frozenset(
    _COUNTRY_PREFIX.get(cc.upper(), cc.upper()) for cc in eu_vat.MEMBER_STATES
)
_SEPARATORS = re.compile(r"[\s.\-/:_]")


@dataclass(frozen=True, slots=True, kw_only=True)
class VatResult(Normalised[str]):
    """A normalised VAT number.

    Attributes:
        prefix: the VAT country prefix ("IT", "EL", "XI").
        country: the ISO 3166-1 alpha-2 country ("IT", "GR", "GB").
        number: the compact number without prefix ("00743110157").
    """

    prefix: str | None = None
    country: str | None = None
    number: str | None = None


def normalise_vat(raw: str, default_country: str = "IT") -> VatResult:
    """Validate a VAT number written with or without its country prefix.

    Args:
        raw: "IT00743110157", "00743110157", "IT 007 431 101 57", "EL094259216", ...
        default_country: ISO country assumed when the number has no prefix.
    """
    text = _SEPARATORS.sub("", raw).upper()
    has_it_prefix = text.startswith("IT")
    number = text[2:] if has_it_prefix else text
    if (
        (has_it_prefix or default_country.upper() == "IT")
        and is_ascii_digits(number, 11)
        and is_valid_partita_iva(number)
    ):
        return VatResult.ok(raw, "IT" + number, prefix="IT", country="IT", number=number)
    return _normalise_with_stdnum(raw, text, default_country)


@lru_cache(maxsize=SLOW_PATH_CACHE_SIZE)
def _normalise_with_stdnum(raw: str, text: str, default_country: str) -> VatResult:
    if not text:
        return VatResult.fail(raw, "the VAT number is empty")
    prefix = text[:2]
    if prefix == "GR":
        prefix, text = "EL", "EL" + text[2:]
    if prefix.isalpha() and prefix not in VAT_PREFIXES:
        return VatResult.fail(
            raw,
            f"{raw!r} starts with {prefix!r}, which is not an EU VAT country prefix "
            f"(known: {', '.join(sorted(VAT_PREFIXES))})",
        )
    if prefix not in VAT_PREFIXES:
        prefix = _COUNTRY_PREFIX.get(default_country.upper(), default_country.upper())
        if prefix not in VAT_PREFIXES:
            return VatResult.fail(
                raw,
                f"{raw!r} has no EU VAT country prefix and the default country "
                f"{default_country!r} has no EU VAT scheme (hint: write the prefix, e.g. DE...)",
            )
        text = prefix + text
    country = _PREFIX_COUNTRY.get(prefix, prefix)
    try:
        value = eu_vat.validate(text)
    except ValidationError as exc:
        return VatResult.fail(
            raw,
            f"{raw!r} is not a valid {prefix} VAT number: {explain(exc)}",
            prefix=prefix,
            country=country,
        )
    return VatResult.ok(raw, value, prefix=prefix, country=country, number=value[2:])


def normalise_partita_iva(raw: str) -> VatResult:
    """Validate an Italian Partita IVA; ``value`` is the 11 digits without "IT"."""
    result = normalise_vat(raw, "IT")
    if result.prefix not in (None, "IT"):
        return VatResult.fail(
            raw,
            f"{raw!r} is a VAT number of {result.country}, not an Italian Partita IVA",
            prefix=result.prefix,
            country=result.country,
        )
    if not result.valid or result.number is None:
        return result
    return VatResult.ok(raw, result.number, prefix="IT", country="IT", number=result.number)
