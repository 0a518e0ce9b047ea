"""Phone numbers -> E.164, with the number's kind (mobile, fixed line, ...) when known.

Numbers written without an international prefix are read in the source's default
region ("02/1234567" with region IT -> "+39021234567"). Italian habits such as
"0039 ...", "347-1234567" and "(02) 123 4567" are understood by libphonenumber.

Valid numbers written the usual way for the region are read by the fast path in
:mod:`canonical.normalise.phone_plan` (same answers, a fraction of the time); the rest goes
to libphonenumber, whose answers are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType, ValidationResult

from canonical.normalise.phone_plan import read_common_number
from canonical.normalise.result import Normalised


class PhoneKind(StrEnum):
    """What kind of line a number is, as far as the numbering plan tells."""

    MOBILE = "mobile"
    FIXED = "fixed"
    FIXED_OR_MOBILE = "fixed_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM = "premium"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL = "personal"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"


_KIND_OF_TYPE: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.FIXED,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.FIXED_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: PhoneKind.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: PhoneKind.PREMIUM,
    PhoneNumberType.SHARED_COST: PhoneKind.SHARED_COST,
    PhoneNumberType.VOIP: PhoneKind.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: PhoneKind.PERSONAL,
    PhoneNumberType.PAGER: PhoneKind.PAGER,
    PhoneNumberType.UAN: PhoneKind.UAN,
    PhoneNumberType.VOICEMAIL: PhoneKind.VOICEMAIL,
}

_POSSIBILITY_PROBLEM: dict[int, str] = {
    ValidationResult.INVALID_COUNTRY_CODE: "the country code is unknown",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "it has a length no number in that country has",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneResult(Normalised[str]):
    """A normalised phone number: ``value`` is E.164 ("+390212345678").

    Attributes:
        kind: mobile, fixed, ... (``None`` when invalid).
        extension: an extension written after the number ("int. 23"), kept apart.
    """

    kind: PhoneKind | None = None
    extension: str | None = None


def normalise_phone(raw: str, region: str = "IT") -> PhoneResult:
    """Normalise one phone number to E.164.

    Args:
        raw: the number as written by the source.
        region: ISO alpha-2 region for numbers written without "+" or "00" prefix.
    """
    text = raw.strip()
    if not text:
        return PhoneResult.fail(raw, "the phone number is empty")
    common = read_common_number(text, region.upper())
    if common is None:
        return _normalise_with_libphonenumber(raw, text, region)
    e164, number_type = common
    # built directly, not through ``ok``: this runs for nearly every number
    return PhoneResult(raw=raw, value=e164, valid=True, kind=_KIND_OF_TYPE.get(number_type))


@lru_cache(maxsize=16384)
def _normalise_with_libphonenumber(raw: str, text: str, region: str) -> PhoneResult:
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        return PhoneResult.fail(raw, f"{raw!r} is not a phone number: {exc._msg}{_hint(text)}")
    number_type = phonenumbers.number_type(number)  # UNKNOWN exactly when the number is invalid
    if number_type == PhoneNumberType.UNKNOWN:
        return PhoneResult.fail(raw, _invalid_reason(raw, number, region))
    return PhoneResult.ok(
        raw,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        kind=_KIND_OF_TYPE.get(number_type),
        extension=number.extension or None,
    )


def _invalid_reason(raw: str, number: phonenumbers.PhoneNumber, region: str) -> str:
    where = phonenumbers.region_code_for_country_code(number.country_code or 0)
    problem = _POSSIBILITY_PROBLEM.get(phonenumbers.is_possible_number_with_reason(number))
    detail = problem or "no number plan range matches it"
    country = where if where != phonenumbers.UNKNOWN_REGION else f"+{number.country_code}"
    return (
        f"{raw!r} is not a valid phone number for {country}: {detail}{_hint(raw.strip(), region)}"
    )


def _hint(text: str, region: str | None = None) -> str:
    if text.startswith(("+", "00")):
        return ""
    read_as = f"read in default region {region}; " if region else ""
    return f" ({read_as}write it with its international prefix, e.g. +39 02 1234567)"
