"""Values kept next to their raw text: how contact points and identifiers get checked.

A checked value has ``raw`` (what the source wrote), ``value`` (normalised, or ``None``),
``valid`` and ``invalid_reason``. On validation:
  - input carrying ``valid`` is already checked (read back from the store) and kept;
  - input carrying a ``value`` has that value checked again: normalisers are idempotent,
    and a normalised value no longer depends on the source's default country;
  - otherwise ``raw`` is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical.normalise.result import Normalised


def raw_text(value: Any) -> str:
    """A source value as text: spreadsheets hand phone numbers over as 3471234567.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def check_input(
    data: dict[str, Any], check: Callable[[str], Normalised[Any]]
) -> tuple[dict[str, Any], Normalised[Any] | None]:
    """Fill ``raw``, ``value``, ``valid`` and ``invalid_reason`` of a checked value's input.

    Returns the new input and the normaliser's result (``None`` when nothing was checked:
    already checked, or no ``raw``/``value`` at all, which validation then reports).

    Raises:
        ValueError: the input says ``valid: false`` without an ``invalid_reason``.
    """
    if "valid" in data:
        if data["valid"] is False and not data.get("invalid_reason"):
            raise ValueError("a value with valid=false needs its invalid_reason")
        return data, None
    raw, value = data.get("raw"), data.get("value")
    text = value if value is not None else raw
    if text is None:
        return data, None
    if text.__class__ is not str:
        text = raw_text(text)
    result = check(text)
    filled = dict(data)
    # ``text`` is the raw text itself when there is no value: not read a second time
    filled["raw"] = text if raw is None or value is None or raw is value else raw_text(raw)
    filled["value"] = result.value
    filled["valid"] = result.valid
    filled["invalid_reason"] = result.reason
    return filled, result
