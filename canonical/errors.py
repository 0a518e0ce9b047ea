"""Turn pydantic validation errors into problems a mapping author can act on.

Each problem names the field by its path in the party ("emails[0].purpose"), says what
is wrong in plain words, and where it can, hints at the fix ("did you mean 'person'?").
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

_VALUE_ERROR_PREFIX = "Value error, "


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field of the input.

    Attributes:
        path: where, e.g. "person.birth_date" or "emails[0].purpose".
        message: what is wrong.
        input: the offending input value.
        hint: how to fix it, when there is an obvious fix.
    """

    path: str
    message: str
    input: Any
    hint: str | None = None

    def __str__(self) -> str:
        where = self.path or "(record)"
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}: {self.message}{hint}"


def field_path(loc: tuple[str | int, ...]) -> str:
    """Render a pydantic error location as a path: ("emails", 0, "raw") -> "emails[0].raw"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe(error: ValidationError, model: type[BaseModel]) -> list[FieldProblem]:
    """List the problems in ``error``, raised while validating ``model``, with hints."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        message = str(item["msg"]).removeprefix(_VALUE_ERROR_PREFIX)
        hint = None
        if item["type"] == "extra_forbidden":
            hint = _did_you_mean(model, loc)
            message = f"unknown field {str(loc[-1])!r}"
        elif item["type"] == "missing":
            message = "this field is required"
        problems.append(FieldProblem(field_path(loc), message, item.get("input"), hint))
    return problems


def explain(error: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem, for logs and quarantine reasons."""
    return "\n".join(str(p) for p in describe(error, model))


def _did_you_mean(model: type[BaseModel], loc: tuple[str | int, ...]) -> str | None:
    owner = _model_at(model, loc[:-1])
    if owner is None:
        return None
    fields = list(owner.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"{owner.__name__} fields are: {', '.join(fields)}"


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class found by following ``loc`` (field names and list indexes) from ``model``."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _model_in(field.annotation) if field is not None else None
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[Email] | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            if found := _model_in(arg):
                return found
    return None
