"""The small result object every normaliser returns.

A normaliser never raises on bad data and never drops it: it answers with the
raw input, the normalised value (or ``None``), a ``valid`` flag and, when the
value is not valid, a ``reason`` a person can act on. Concept-specific extras
(a phone's kind, a VAT number's country, ...) live on subclasses.

Results are frozen because normalisers cache them and hand the same object to
every caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

T = TypeVar("T")

#: Cache size for a normaliser's slow path (a library such as stdnum or email-validator). Only
#: unusual values come that way, nearly all different: a large cache fills with values never
#: asked for again and makes a long ingest's workers grow (16,384 entries had 0-4% hits).
SLOW_PATH_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalised(Generic[T]):
    """Outcome of normalising one raw value.

    Attributes:
        raw: the input exactly as received (as a string).
        value: the normalised value, or ``None`` when the input is not valid.
        valid: whether the input passed validation.
        reason: why it did not (``None`` when valid).
    """

    raw: str
    value: T | None
    valid: bool
    reason: str | None = None

    @classmethod
    def ok(cls, raw: str, value: T, **extras: Any) -> Self:
        """Build a valid result."""
        return cls(raw=raw, value=value, valid=True, reason=None, **extras)

    @classmethod
    def fail(cls, raw: str, reason: str, **extras: Any) -> Self:
        """Build an invalid result that keeps the raw input and says why."""
        return cls(raw=raw, value=None, valid=False, reason=reason, **extras)


def as_text(raw: object) -> str:
    """Return ``raw`` as a string for the ``raw`` field of a result (``None`` -> ``""``)."""
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else str(raw)
