"""The Partita IVA check, computed directly: the fast path of the VAT and codice fiscale checks.

python-stdnum's ``it.iva.validate`` cleans the text, raises an exception per failure and
computes Luhn through generic helpers: several microseconds a number. Here the same rules are
applied to a number that is already 11 ASCII digits (the usual case). Anything else, and every
number that fails (whose reason must be explained), still goes through python-stdnum;
``tests/canonical/test_canonical_fast_paths.py`` proves the two agree.

The rules (python-stdnum 2.2, ``stdnum.it.iva``): the first seven digits (the company's
serial number) are not all zero; digits 8-10 are the tax office code, 001-100 or 120, 121,
888, 999; the last digit is the Luhn check digit.
"""

from __future__ import annotations

_SPECIAL_OFFICES = frozenset({"120", "121", "888", "999"})
# Luhn: the digit sum of twice each digit, as a byte table: the ASCII code of a digit -> it.
_DOUBLED_DIGIT_SUM = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_DOUBLED_OF_CODE = bytes(48) + bytes(_DOUBLED_DIGIT_SUM) + bytes(256 - 58)
_ZERO = ord("0")


def is_valid_partita_iva(digits: str) -> bool:
    """Whether ``digits`` (exactly 11 ASCII digits, the caller checks) is a valid Partita IVA."""
    office = digits[7:10]
    if digits[:7] == "0000000" or not ("001" <= office <= "100" or office in _SPECIAL_OFFICES):
        return False
    codes = digits.encode("ascii")  # the sums run over bytes, without a Python loop
    odd = codes[0::2]
    total = sum(odd) - _ZERO * len(odd) + sum(codes[1::2].translate(_DOUBLED_OF_CODE))
    return total % 10 == 0


def is_ascii_digits(text: str, length: int) -> bool:
    """Whether ``text`` is exactly ``length`` ASCII digits (``str.isdigit`` alone would also
    accept other scripts' digits)."""
    return len(text) == length and text.isascii() and text.isdigit()
