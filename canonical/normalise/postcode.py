"""Postcodes: checked against their country's shape (see :mod:`canonical.data.postcodes`)."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from canonical.data.postcodes import POSTCODE_PATTERNS, ZERO_PADDED_POSTCODE_LENGTH
from canonical.normalise.result import Normalised
from canonical.normalise.text import collapse_whitespace


@cache
def _postcode_regex(country: str) -> re.Pattern[str] | None:
    shape = POSTCODE_PATTERNS.get(country)
    return re.compile(rf"^(?:{shape[0]})$") if shape else None


@lru_cache(maxsize=16384)
def normalise_postcode(raw: str, country: str = "IT") -> Normalised[str]:
    """Check a postcode against its country's shape; pad numeric codes that lost leading zeros."""
    text = collapse_whitespace(raw).upper()
    if not text:
        return Normalised.fail(raw, "the postcode is empty")
    padded_length = ZERO_PADDED_POSTCODE_LENGTH.get(country)
    if padded_length and text.isdigit() and len(text) >= padded_length - 2:
        text = text.zfill(padded_length)
    pattern = _postcode_regex(country)
    if pattern is not None and not pattern.match(text):
        example = POSTCODE_PATTERNS[country][1]
        return Normalised.fail(
            raw, f"{raw!r} is not a valid postcode for {country} (e.g. {example})"
        )
    return Normalised.ok(raw, text)
