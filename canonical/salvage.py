"""Validate a party, moving values that fail validation into ``issues`` instead of failing.

A source record with one bad value ("31/02/1980" as birth date, "XX" as SDI code)
still describes a customer; rejecting all of it would lose the good values. This
removes each bad value, records it as a :class:`ValueIssue` (path, raw value, reason)
and validates again. Mapping mistakes are not salvaged: an unknown field, a party whose
kind does not match its contents, or a required value missing at the top level still
raise, because they are bugs to fix, not data to keep.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import ValidationError

from canonical.base import COUNTRY_CONTEXT_KEY, DEFAULT_COUNTRY
from canonical.errors import field_path
from canonical.party import Party
from canonical.provenance import ValueIssue

# Error types that mean the mapping is wrong rather than the data.
_MAPPING_ERRORS = frozenset({"extra_forbidden"})
_MAX_ROUNDS = 8


def salvage_party(data: dict[str, Any], *, default_country: str = DEFAULT_COUNTRY) -> Party:
    """Validate ``data`` as a :class:`Party`, keeping bad values as issues (see module doc).

    Raises:
        ValidationError: when a problem cannot be salvaged (see the module docstring).
    """
    context = {COUNTRY_CONTEXT_KEY: default_country}
    try:
        return Party.model_validate(data, context=context)
    except ValidationError as first_error:
        error = first_error
    work = copy.deepcopy(data)
    issues: list[ValueIssue] = []
    for _ in range(_MAX_ROUNDS):
        removed = _remove_bad_values(work, error, issues)
        if not removed:
            raise error
        try:
            return Party.model_validate(
                {**work, "issues": [*work.get("issues", []), *issues]}, context=context
            )
        except ValidationError as next_error:
            error = next_error
    raise error


def _remove_bad_values(
    work: dict[str, Any], error: ValidationError, issues: list[ValueIssue]
) -> bool:
    """Remove from ``work`` each value ``error`` complains about; False if one cannot go."""
    removals = []
    for item in error.errors(include_url=False):
        error_loc = tuple(item["loc"])
        loc = _removable_loc(error_loc, item["type"])
        if loc is None:
            return False
        reason = str(item["msg"]).removeprefix("Value error, ")
        if loc != error_loc:
            reason = f"dropped because its required field {field_path(error_loc[len(loc) :])!r} is missing"
        removals.append((loc, reason))
    # Deepest and highest list index first, so earlier removals do not shift later ones.
    for loc, reason in sorted(removals, key=lambda r: _sort_key(r[0]), reverse=True):
        value = _pop(work, loc)
        if value is not _MISSING:
            issues.append(ValueIssue(field=field_path(loc), raw=_as_raw(value), reason=reason))
    return True


def _removable_loc(loc: tuple[str | int, ...], error_type: str) -> tuple[str | int, ...] | None:
    """The part of the input to remove for one error, or None when it cannot be salvaged."""
    if error_type in _MAPPING_ERRORS or not loc:
        return None
    if error_type == "missing":  # a required part is gone: drop the list entry holding it
        for i in range(len(loc) - 1, -1, -1):
            if isinstance(loc[i], int):
                return loc[: i + 1]
        return None
    return loc


def _sort_key(loc: tuple[str | int, ...]) -> tuple[Any, ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in loc)


_MISSING = object()


def _pop(container: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc[:-1]:
        try:
            container = container[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    try:
        return container.pop(loc[-1])
    except (KeyError, IndexError, TypeError, AttributeError):
        return _MISSING


def _as_raw(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)
