"""Identifiers by scheme: which normaliser checks each scheme, and how far it can verify.

Schemes are open-ended strings (a connector may invent "CH_UID"); the ones below
are well known, and those in :data:`SCHEME_RULES` are checked. Any other scheme is
only cleaned of surrounding and repeated whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from stdnum import lei
from stdnum.exceptions import ValidationError

from canonical.normalise.checksum_errors import explain
from canonical.normalise.codice_fiscale import normalise_codice_fiscale
from canonical.normalise.result import Normalised
from canonical.normalise.text import collapse_whitespace
from canonical.normalise.vat import normalise_partita_iva, normalise_vat


class IdScheme(StrEnum):
    """Well-known identifier schemes (any other upper-case token is allowed too)."""

    IT_PIVA = "IT_PIVA"  # Partita IVA, 11 digits, no "IT" prefix
    IT_CF = "IT_CF"  # codice fiscale (person: 16 chars; organization: 11 digits)
    EU_VAT = "EU_VAT"  # VAT number with its VIES prefix: "IT00743110157"
    DUNS = "DUNS"  # Dun & Bradstreet D-U-N-S number, 9 digits
    LEI = "LEI"  # Legal Entity Identifier (ISO 17442), 20 characters
    REA = "REA"  # Italian business register entry, e.g. "MI-1234567"
    TAX_ID = "TAX_ID"  # a national tax id without a checker here
    SYSTEM = "SYSTEM"  # a source system's own key; ``system`` names the system


class Verification(StrEnum):
    """How far an identifier has been verified."""

    NONE = "none"
    CHECKSUM = "checksum"
    REGISTRY = "registry"


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierResult(Normalised[str]):
    """A normalised identifier.

    Attributes:
        country: ISO alpha-2 country the identifier belongs to, when the scheme tells.
        verification: ``checksum`` when a check digit was verified, else ``none``.
    """

    country: str | None = None
    verification: Verification = Verification.NONE


@dataclass(frozen=True, slots=True)
class SchemeRule:
    """How one scheme is checked: a normaliser ``(raw, default_country) -> Normalised``."""

    check: Callable[[str, str], Normalised[str]]
    verifies_checksum: bool


_DUNS = re.compile(r"^\d{9}$")


def _check_duns(raw: str, _country: str) -> Normalised[str]:
    digits = re.sub(r"[\s\-]", "", raw)
    if not _DUNS.match(digits):
        return Normalised.fail(raw, f"{raw!r} is not a D-U-N-S number (expected 9 digits)")
    return Normalised.ok(raw, digits)


def _check_lei(raw: str, _country: str) -> Normalised[str]:
    try:
        return Normalised.ok(raw, lei.validate(raw))
    except ValidationError as exc:
        return Normalised.fail(raw, f"{raw!r} is not a valid LEI: {explain(exc)}")


SCHEME_RULES: dict[str, SchemeRule] = {
    IdScheme.IT_PIVA: SchemeRule(
        lambda raw, _c: normalise_partita_iva(raw), verifies_checksum=True
    ),
    IdScheme.IT_CF: SchemeRule(
        lambda raw, _c: normalise_codice_fiscale(raw), verifies_checksum=True
    ),
    IdScheme.EU_VAT: SchemeRule(normalise_vat, verifies_checksum=True),
    IdScheme.LEI: SchemeRule(_check_lei, verifies_checksum=True),
    IdScheme.DUNS: SchemeRule(_check_duns, verifies_checksum=False),
}
_SCHEME_COUNTRY: dict[str, str] = {IdScheme.IT_PIVA: "IT", IdScheme.IT_CF: "IT"}


def normalise_identifier(scheme: str, raw: str, default_country: str = "IT") -> IdentifierResult:
    """Normalise ``raw`` as an identifier of ``scheme``.

    Args:
        scheme: an :class:`IdScheme` value or any other upper-case scheme token.
        raw: the identifier as written.
        default_country: country assumed by schemes that need one (VAT without prefix).
    """
    result, country, verification = check_identifier(scheme, raw, default_country)
    return IdentifierResult(
        raw=raw,
        value=result.value,
        valid=result.valid,
        reason=result.reason,
        country=country,
        verification=verification,
    )


def check_identifier(
    scheme: str, raw: str, default_country: str = "IT"
) -> tuple[Normalised[str], str | None, Verification]:
    """:func:`normalise_identifier` in parts, without building its result: (a result with its
    ``value``, ``valid`` and ``reason``, its ``country``, its ``verification``)."""
    rule = SCHEME_RULES.get(scheme)
    if rule is None:
        value = collapse_whitespace(raw)
        if not value:
            return (
                Normalised.fail(raw, f"the {scheme} identifier is empty"),
                None,
                Verification.NONE,
            )
        return Normalised(raw=raw, value=value, valid=True), None, Verification.NONE
    result = rule.check(raw, default_country)
    country = getattr(result, "country", None) or _SCHEME_COUNTRY.get(scheme)
    if not result.valid or result.value is None:
        return Normalised.fail(raw, result.reason or "invalid"), country, Verification.NONE
    if result.reason is not None:  # a valid identifier has no reason, whatever the rule said
        result = Normalised.ok(raw, result.value)
    verification = Verification.CHECKSUM if rule.verifies_checksum else Verification.NONE
    return result, country, verification
