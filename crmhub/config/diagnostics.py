"""Turning pydantic validation errors into ``ConfigProblem``s a person can act on.

Each problem names the file, the line and the dotted key path, says what is wrong in plain words
and, where it can, suggests the fix: the closest valid key for a typo (difflib), the accepted
values for a choice.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from crmhub.config.source import KeyPath, SourceMap
from crmhub.errors import ConfigProblem

_MAX_SHOWN = 60
_QUOTED = re.compile(r"'([^']*)'")


def validation_problems(
    error: ValidationError,
    model: type[BaseModel],
    source: SourceMap,
    prefix: KeyPath = (),
    *,
    show_input: Callable[[KeyPath], bool] = lambda _path: True,
    skip: Callable[[KeyPath], bool] = lambda _path: False,
) -> list[ConfigProblem]:
    """One ``ConfigProblem`` per error of ``error`` (raised by ``model``).

    ``prefix`` is where the validated value sits in the file; ``show_input`` says whether the
    offending value may be quoted in the message (never for secrets); ``skip`` drops errors at
    paths that cannot be judged yet (a value that is still a ``${...}`` reference).
    """
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        if skip(loc):
            continue
        problems.append(_problem(detail, loc, model, source, prefix, show_input))
    return problems


def _problem(
    detail: ErrorDetails,
    loc: tuple[str | int, ...],
    model: type[BaseModel],
    source: SourceMap,
    prefix: KeyPath,
    show_input: Callable[[KeyPath], bool],
) -> ConfigProblem:
    kind = detail["type"]
    if loc and loc[-1] == "[key]":  # the key itself is wrong (a dict key's validator failed)
        path = (*prefix, *loc[:-1])
        return source.problem(path, _message(detail), at_key=True)
    path = (*prefix, *loc)
    if kind == "extra_forbidden":
        return source.problem(
            path,
            f"unknown key {loc[-1]!r}",
            hint=_key_hint(str(loc[-1]), model_at(model, loc[:-1])),
            at_key=True,
        )
    if kind == "missing":
        return source.problem(
            path,
            f"missing required key {loc[-1]!r}",
            at_key=True,
            hint=f"add `{loc[-1]}:` under {_parent(path)}",
        )
    message = _message(detail)
    if show_input(loc) and _is_shown(detail.get("input")):
        message += f" (got {_shown(detail['input'])})"
    return source.problem(path, message, hint=_choice_hint(detail))


def _message(detail: ErrorDetails) -> str:
    message = detail["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _parent(path: KeyPath) -> str:
    parent = [str(p) for p in path[:-1]]
    return ".".join(parent) if parent else "the top level"


def _is_shown(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + '…"'


def _key_hint(key: str, model: type[BaseModel] | None) -> str | None:
    if model is None:
        return None
    valid = [info.alias or name for name, info in model.model_fields.items()]
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"valid keys here: {', '.join(valid)}" if valid else "no keys are allowed here"


def _choice_hint(detail: ErrorDetails) -> str | None:
    expected = (detail.get("ctx") or {}).get("expected")
    given = detail.get("input")
    if not isinstance(expected, str) or not isinstance(given, str):
        return None
    choices = _QUOTED.findall(expected)
    close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the value at ``loc`` inside ``model``, if any."""
    current: Any = model
    for part in loc:
        current = unwrap_annotation(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return None
            current = info.annotation
        elif get_origin(current) in (dict, list, tuple, typing.Mapping, typing.Sequence):
            args = get_args(current)
            current = args[-1] if args else None
        else:
            return None
    current = unwrap_annotation(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def unwrap_annotation(annotation: Any) -> Any:
    """``X`` for ``X | None``, ``Optional[X]`` and ``Annotated[X, ...]``."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
