"""Dotted paths into canonical records: ``organization.legal_name``, ``phones[purpose=work].value``.

Used in both directions: to set values while mapping a source record in, and to read values from
a golden record while mapping it back out to a writable system.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<selector>[^\]]*)\])?$")


class PathError(ValueError):
    """A path that does not name a field of the canonical model."""


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    selector: str | None = None  # None, "N" (index), "key=value", or "" for "every element"


def parse_path(path: str) -> tuple[Segment, ...]:
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if not match:
            raise PathError(f"{path!r}: {part!r} is not a field name (letters, digits, _; optional [..])")
        segments.append(Segment(match["name"], match["selector"]))
    return tuple(segments)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) for ``X``, ``X | None``, ``list[X]``, ``list[X] | None``, and any of
    these as ``Annotated[X, ...]`` (how canonical types such as ``VatId`` carry their validators)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
        return annotation, False
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return _unwrap(inner)[0], True
    return annotation, False


def field_type(model: type[BaseModel], path: str) -> tuple[Any, bool]:
    """The annotation at the end of ``path`` and whether it is a list; ``PathError`` when unknown."""
    current: Any = model
    is_list = False
    for segment in parse_path(path):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            raise PathError(f"{path!r}: {segment.name!r} is below a value that has no fields")
        fields = current.model_fields
        if segment.name not in fields:
            import difflib

            close = difflib.get_close_matches(segment.name, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise PathError(f"{path!r}: {current.__name__} has no field {segment.name!r}{hint}")
        current, is_list = _unwrap(fields[segment.name].annotation)
    return current, is_list


def _select(items: list[Any], selector: str) -> Any:
    if selector.isdigit():
        index = int(selector)
        return items[index] if index < len(items) else None
    if "=" in selector:
        key, wanted = selector.split("=", 1)
        for item in items:
            if isinstance(item, dict) and str(item.get(key)) == wanted:
                return item
        return None
    if selector == "primary":
        for item in items:
            if isinstance(item, dict) and item.get("primary"):
                return item
        return items[0] if items else None
    raise PathError(f"unknown selector [{selector}] (use [0], [key=value] or [primary])")


def read_path(record: dict[str, Any], segments: tuple[Segment, ...]) -> Any:
    """The value at ``segments`` in a canonical record as a dict, or None when absent."""
    current: Any = record
    for segment in segments:
        if not isinstance(current, dict):
            return None
        current = current.get(segment.name)
        if segment.selector is not None:
            if not isinstance(current, list):
                return None
            current = _select(current, segment.selector or "0")
    return current
