"""Identifiers: VAT numbers, codici fiscali, D-U-N-S, LEI, and each system's own keys.

An identifier is given as ``{"scheme": ..., "raw": ...}`` and checked on validation by
its scheme's normaliser (see ``canonical.normalise.identifier``); one that fails keeps
``raw`` with ``valid=False`` and the ``invalid_reason``. A system's own key uses scheme
``SYSTEM`` and names the system in ``system``. Stored identifiers validate to
themselves (see ``canonical.checked``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Self

from pydantic import AfterValidator, ValidationInfo

from canonical.base import COUNTRY_CONTEXT_KEY, DEFAULT_COUNTRY, CanonicalModel, context_country
from canonical.checked import check_input
from canonical.fields import UtcDateTime
from canonical.normalise.identifier import IdScheme, Verification, check_identifier
from canonical.normalise.result import Normalised

_SCHEME = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
_TRUST_RANK = {Verification.NONE: 0, Verification.CHECKSUM: 1, Verification.REGISTRY: 2}


def _stronger(claimed: Any, valid: bool, shown: Verification) -> Verification:
    """The verification an identifier ends with: what the source claims (e.g. ``registry``)
    or what the checksum showed, whichever is stronger; ``none`` if it failed the check."""
    if not valid:
        return Verification.NONE
    claimed = Verification(claimed) if claimed else Verification.NONE
    return claimed if _TRUST_RANK[claimed] >= _TRUST_RANK[shown] else shown


_KNOWN_SCHEMES = frozenset(IdScheme)  # well-formed names (a test checks): no regex needed


def _check_scheme(value: str) -> str:
    if value not in _KNOWN_SCHEMES and not _SCHEME.match(value):
        raise ValueError(
            f"{value!r} is not a scheme name (upper-case letters, digits and _, e.g. IT_PIVA, DUNS)"
        )
    return value


SchemeName = Annotated[str, AfterValidator(_check_scheme)]


class Identifier(CanonicalModel):
    """An identifier of a party in some scheme."""

    scheme: SchemeName
    raw: str
    value: str | None = None
    country: str | None = None
    system: str | None = None
    valid: bool = True
    invalid_reason: str | None = None
    verification: Verification = Verification.NONE
    verified_at: UtcDateTime | None = None

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or "scheme" not in data:
            return data
        scheme = str(data["scheme"]).strip().upper()
        if scheme != data["scheme"] or data["scheme"].__class__ is not str:
            data = {**data, "scheme": scheme}
        if scheme == IdScheme.SYSTEM and not data.get("system"):
            raise ValueError(
                "an identifier with scheme SYSTEM needs `system` (the system it comes from)"
            )
        checked: tuple[Normalised[str], str | None, Verification] | None = None

        def check(text: str) -> Normalised[str]:
            nonlocal checked
            checked = check_identifier(scheme, text, context_country(info))
            return checked[0]

        filled, _ = check_input(data, check)
        if checked is not None:
            result, country, verification = checked
            filled["country"] = data.get("country") or country
            filled["verification"] = _stronger(data.get("verification"), result.valid, verification)
        return filled

    @classmethod
    def of(
        cls, scheme: str, raw: str, *, default_country: str = DEFAULT_COUNTRY, **fields: Any
    ) -> Self:
        """Build and check an identifier: ``Identifier.of("IT_PIVA", "00743110157")``."""
        return cls.model_validate(
            {**fields, "scheme": scheme, "raw": raw}, context={COUNTRY_CONTEXT_KEY: default_country}
        )


def scheme_coercer(scheme: str) -> Callable[[Any], Any]:
    """Validator for a field that holds identifiers of one ``scheme``: a plain string becomes
    ``{"scheme": scheme, "raw": text}``; an identifier of another scheme is refused.

    Use as ``Annotated[Identifier, BeforeValidator(scheme_coercer(IdScheme.EU_VAT))]``.
    """

    def coerce(value: Any) -> Any:
        if isinstance(value, str | int):
            return {"scheme": scheme, "raw": str(value)}
        if isinstance(value, dict):
            given = value.get("scheme", scheme)
        else:
            given = getattr(value, "scheme", scheme)
        if str(given).upper() != scheme:
            raise ValueError(f"this field holds {scheme} identifiers, not {given}")
        return {**value, "scheme": scheme} if isinstance(value, dict) else value

    return coerce
