"""Decimal numbers written with a decimal comma ("1.234,56") or a decimal point ("1,234.56").

When both separators appear, the last one is the decimal separator. When only one
kind appears and it could be either ("1.234"), ``decimal_separator`` decides
(default "," as in Italy: "1.234" is one thousand two hundred thirty-four).
Currency symbols, ISO codes and spaces around or inside the number are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from canonical.normalise.result import Normalised

_NOISE = re.compile(r"[\s\u00a0\u202f'€$£]|EUR|USD|GBP|CHF", re.IGNORECASE)
_SHAPE = re.compile(r"^[+-]?\d[\d.,]*$|^[+-]?[.,]\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class DecimalResult(Normalised[Decimal]):
    """A parsed decimal number."""


def normalise_decimal(
    raw: str | int | Decimal, decimal_separator: Literal[",", "."] = ","
) -> DecimalResult:
    """Parse a number written with thousands and decimal separators into a ``Decimal``.

    An ``int`` or ``Decimal`` passes through unchanged. Floats are refused: they
    have already lost the exact decimal value.
    """
    if isinstance(raw, bool | float):
        return DecimalResult.fail(
            str(raw), f"{raw!r} is a {type(raw).__name__}, not an exact number"
        )
    if isinstance(raw, int | Decimal):
        return DecimalResult.ok(str(raw), Decimal(raw))
    return _parse_decimal_text(raw, decimal_separator)


@lru_cache(maxsize=16384)
def _parse_decimal_text(raw: str, decimal_separator: str) -> DecimalResult:
    text = _NOISE.sub("", raw)
    if not _SHAPE.match(text):
        return DecimalResult.fail(raw, f"{raw!r} is not a number (e.g. 1.234,56 or 1234.56)")
    sign, digits = (text[0], text[1:]) if text[0] in "+-" else ("", text)
    separators = {ch for ch in digits if ch in ".,"}
    decimal: str | None
    if len(separators) == 2:
        decimal = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif separators:
        only = separators.pop()
        decimal = _single_separator_role(digits, only, decimal_separator)
    else:
        decimal = None
    if decimal is None:
        plain = digits.replace(".", "").replace(",", "")
    else:
        integer, _, fraction = digits.rpartition(decimal)
        if decimal in integer or (integer and not _is_grouped_or_plain(integer)):
            return DecimalResult.fail(raw, f"{raw!r} has misplaced separators")
        plain = integer.replace(".", "").replace(",", "") + "." + fraction
    try:
        return DecimalResult.ok(raw, Decimal(sign + plain))
    except InvalidOperation:
        return DecimalResult.fail(raw, f"{raw!r} is not a number")


def _single_separator_role(digits: str, separator: str, decimal_separator: str) -> str | None:
    """Decide whether the only separator kind in ``digits`` separates thousands or decimals."""
    if digits.count(separator) > 1:
        return None if _GROUPED.match(digits) else separator  # "1.234.567"; else misplaced
    if _GROUPED.match(digits):  # "1.234": ambiguous, the source's convention decides
        return separator if separator == decimal_separator else None
    return separator


def _is_grouped_or_plain(integer: str) -> bool:
    """True for "1234" or "1.234.567" (one thousands separator, groups of three)."""
    return integer.isdigit() or (
        bool(_GROUPED.match(integer)) and len({c for c in integer if c in ".,"}) == 1
    )
