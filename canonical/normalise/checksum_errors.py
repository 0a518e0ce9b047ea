"""Plain-language explanations of python-stdnum's validation errors (one table for all numbers)."""

from __future__ import annotations

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

_EXPLANATION: dict[type[ValidationError], str] = {
    InvalidChecksum: "the check digit does not match (a typing error?)",
    InvalidLength: "it has the wrong length",
    InvalidFormat: "it contains characters that cannot appear there",
    InvalidComponent: "one of its parts is not valid",
}


def explain(error: ValidationError) -> str:
    """Say in plain words what a stdnum validation error means."""
    return _EXPLANATION.get(type(error)) or str(error)
