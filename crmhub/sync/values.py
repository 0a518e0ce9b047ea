"""Field values as targets hold them: when two are the same, and a stable hash of a set of them.

The hub writes JSON values; a target gives them back in its own spelling: a DECIMAL column
answers ``"1500.00"`` for the ``1500`` written, a CHAR column pads, a boolean comes back as
``1``, a timestamp loses its ``Z``. Treating those as changes would make every write come back
as a change, and every diff write again, forever. :func:`same_value` is the one place that
decides what counts as the same value, for the diff, the echo check and the conflict check.

A difference only the mapping can see through (a phone typed ``+39 011 999 8877`` that the hub
keeps as ``+390119998877``) is not this module's: the diff also compares the target's value in
the hub's terms (``crmhub.sync.decide.held_in_hub_terms``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import orjson

# A number written as text; not "0286..." or "+39...": leading zeros and signs belong to codes.
_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_TRUE_WORDS = frozenset({"true", "1"})
_FALSE_WORDS = frozenset({"false", "0"})


def is_empty(value: Any) -> bool:
    """None, an empty or blank string, or an empty list or object: no value at all."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, dict)) and not value


def same_value(a: Any, b: Any) -> bool:
    """True when ``a`` and ``b`` are the same value as far as a target is concerned."""
    if a == b and type(a) is type(b):
        return True
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return _as_bool(a) is not None and _as_bool(a) == _as_bool(b)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return _canonical_json(a) == _canonical_json(b)
    return _scalar_key(a) == _scalar_key(b)


def values_hash(values: dict[str, Any]) -> str:
    """A 128-bit hex digest of a set of field values, independent of key order."""
    return blake2b(_canonical_json(values), digest_size=16).hexdigest()


def _canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return None if value not in (0, 1) else bool(value)
    word = str(value).strip().casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def _scalar_key(value: Any) -> Any:
    """A comparable form of a scalar: numbers as Decimal, timestamps as UTC datetimes, text
    without trailing blanks (CHAR columns pad)."""
    if isinstance(value, (int, float, Decimal)):
        return _number(str(value))
    text = str(value).rstrip()
    return _text_key(text)


@lru_cache(maxsize=65_536)
def _text_key(text: str) -> Any:
    if _NUMBER.match(text):
        return _number(text)
    if _DATETIME.match(text):
        return _timestamp(text)
    return text


def _number(text: str) -> Any:
    try:
        return Decimal(text).normalize()
    except InvalidOperation:
        return text


def _timestamp(text: str) -> Any:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
