"""The fast path for phone numbers: the usual ways of writing a number of the source's own country.

libphonenumber's ``parse`` and ``number_type`` take tens of microseconds a number, because they
handle every notation of every country. Most numbers a source holds are written in one of a
few ways for its own country: "347 1234567", "(02) 123 4567", "+39 02 1234567", "0039
347-1234567", "tel. 02/1234567". :func:`read_common_number` reads those directly: it takes
the digits and classifies the national number with libphonenumber's own tables for the
country (its metadata), in the order its ``number_type`` uses.

It answers only when it is sure, that is for a valid number written with digits, spaces and
``- / . ( )``, an optional leading label ("tel.") and an optional international prefix of the
country itself. Everything else (other countries, extensions, letters, invalid numbers whose
reason must be explained) gets ``None`` and goes to libphonenumber.
``tests/canonical/test_canonical_fast_paths.py`` proves the answers equal libphonenumber's
over generated valid and invalid numbers.

Only countries whose numbering plan fits these assumptions get a plan: no national prefix to
strip (the leading 0 of Italian numbers is part of the number), international prefix "00",
and the country is the main one of its calling code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers.phonemetadata import PhoneNumberDesc

# Regions read on the fast path. Each must satisfy the assumptions above (checked when its
# plan is built).
FAST_REGIONS: tuple[str, ...] = ("IT",)

# An optional label ("tel.", "Cell:"), then an optional "(" and "+", then digits and the
# separators libphonenumber ignores. No other character may appear.
_COMMON_SHAPE = re.compile(r"^(?:[A-Za-z]+\.?:?[ ]*)?\(?(\+?)([0-9][0-9 ./()\-]*)$")
_NOT_DIGIT = re.compile(r"[^0-9]")
_MAX_TEXT = 64  # libphonenumber refuses 250+ characters; real numbers are far shorter

# The specific types in the order libphonenumber's _number_type_helper tries them; fixed line
# and mobile come last and are handled apart (a number may match both).
_TYPE_ORDER: tuple[tuple[str, int], ...] = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)


@dataclass(frozen=True, slots=True)
class _Desc:
    """One number type of the plan: the lengths it allows and its pattern (whole number)."""

    lengths: frozenset[int]  # empty: any length
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, desc: PhoneNumberDesc | None) -> _Desc | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return cls(frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern))

    def matches(self, national: str) -> bool:
        if self.lengths and len(national) not in self.lengths:
            return False
        return self.pattern.fullmatch(national) is not None


@dataclass(frozen=True, slots=True)
class NumberingPlan:
    """One country's numbering plan, as libphonenumber's metadata describes it."""

    region: str
    country_code: str  # "39"
    general: _Desc
    specific: tuple[tuple[_Desc, int], ...]  # (description, PhoneNumberType), tried in order
    fixed_line: _Desc | None
    mobile: _Desc | None
    same_fixed_and_mobile: bool

    @classmethod
    def of(cls, region: str) -> NumberingPlan:
        """Build the plan of ``region`` from libphonenumber's metadata.

        Raises:
            ValueError: the region's plan does not fit the fast path's assumptions.
        """
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            raise ValueError(f"libphonenumber has no metadata for region {region!r}")
        code = meta.country_code
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
        shorter_codes = [int(str(code)[:i]) for i in range(1, len(str(code)))]
        if (
            meta.national_prefix_for_parsing
            or meta.international_prefix != "00"
            or not regions
            or regions[0] != region
            or meta.leading_digits is not None
            or any(c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for c in shorter_codes)
        ):
            raise ValueError(f"the numbering plan of {region} does not fit the fast path")
        general = _Desc.of(meta.general_desc)
        assert general is not None
        specific = tuple(
            (desc, number_type)
            for name, number_type in _TYPE_ORDER
            if (desc := _Desc.of(getattr(meta, name))) is not None
        )
        return cls(
            region=region,
            country_code=str(code),
            general=general,
            specific=specific,
            fixed_line=_Desc.of(meta.fixed_line),
            mobile=_Desc.of(meta.mobile),
            same_fixed_and_mobile=bool(meta.same_mobile_and_fixed_line_pattern),
        )

    def number_type(self, national: str) -> int:
        """libphonenumber's type of a national significant number (UNKNOWN when invalid)."""
        if not self.general.matches(national):
            return PhoneNumberType.UNKNOWN
        length = len(national)
        for desc, number_type in self.specific:
            if (not desc.lengths or length in desc.lengths) and desc.pattern.fullmatch(national):
                return number_type
        if self.fixed_line is not None and self.fixed_line.matches(national):
            if self.same_fixed_and_mobile or (
                self.mobile is not None and self.mobile.matches(national)
            ):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if (
            not self.same_fixed_and_mobile
            and self.mobile is not None
            and self.mobile.matches(national)
        ):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN

    def national_number(self, has_plus: bool, digits: str) -> str | None:
        """The national significant number written as ``digits`` (after a "+" when
        ``has_plus``), or ``None`` when libphonenumber would read it another way."""
        code = self.country_code
        if has_plus:
            return digits[len(code) :] if digits.startswith(code) else None
        if digits.startswith("00"):  # the international prefix: only the country's own code
            return digits[2 + len(code) :] if digits.startswith(code, 2) else None
        # National form. libphonenumber would take a leading country code off a number that
        # is not valid as written, but never off a valid one: the only kind answered here.
        return digits


_PLANS: dict[str, NumberingPlan] = {region: NumberingPlan.of(region) for region in FAST_REGIONS}


def read_common_number(text: str, region: str) -> tuple[str, int] | None:
    """Read ``text`` (already stripped) as a number of ``region`` written the usual way.

    Returns:
        (E.164 number, libphonenumber ``PhoneNumberType``) for a valid number; ``None`` when
        the fast path is not sure, and libphonenumber must decide.
    """
    plan = _PLANS.get(region)
    if plan is None or len(text) > _MAX_TEXT:
        return None
    shape = _COMMON_SHAPE.match(text)
    if shape is None:
        return None
    national = plan.national_number(bool(shape.group(1)), _NOT_DIGIT.sub("", shape.group(2)))
    if not national:
        return None
    number_type = plan.number_type(national)
    if number_type == PhoneNumberType.UNKNOWN:
        return None
    return f"+{plan.country_code}{national}", number_type
