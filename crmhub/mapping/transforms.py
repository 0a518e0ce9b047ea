"""Named value transforms a mapping file can chain: ``transform: [trim, {date: "%d/%m/%Y"}]``.

Each transform is a factory that takes its options (validated here, when the mapping is loaded)
and returns a function of one value. The table ``TRANSFORMS`` is the whole vocabulary, so
``crmhub mappings check`` can list it and a typo gets a suggestion.

A transform receives ``None`` for an empty cell and passes it on; it raises ``TransformError``
with a reason a person can act on when a value cannot be converted (the record is quarantined).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmhub.mapping.datetimes import parser_for

ValueFn = Callable[[Any], Any]


class TransformError(ValueError):
    """A value the transform cannot convert; the message says why."""


class TransformOptionsError(ValueError):
    """A transform named or configured wrongly in a mapping file."""


@dataclass(frozen=True, slots=True)
class TransformDef:
    name: str
    factory: Callable[[Any], ValueFn]
    help: str


def _no_options(fn: ValueFn) -> Callable[[Any], ValueFn]:
    def factory(options: Any) -> ValueFn:
        if options not in (None, {}, True):
            raise TransformOptionsError("takes no options")
        return fn

    return factory


def _skip_none(fn: Callable[[str], Any]) -> ValueFn:
    def wrapped(value: Any) -> Any:
        if value is None:
            return None
        return fn(value if isinstance(value, str) else str(value))

    return wrapped


_SPACES = re.compile(r"\s+")


def _blank_to_none(value: str) -> str | None:
    return value or None


@_skip_none
def _trim(value: str) -> str | None:
    return _blank_to_none(value.strip())


@_skip_none
def _collapse_spaces(value: str) -> str | None:
    return _blank_to_none(_SPACES.sub(" ", value).strip())


@_skip_none
def _digits(value: str) -> str | None:
    return _blank_to_none("".join(ch for ch in value if ch.isdigit()))


@_skip_none
def _strip_accents(value: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    )


def _case(method: str) -> ValueFn:
    return _skip_none(lambda v: getattr(v, method)())


def _formats(options: Any) -> list[str]:
    if isinstance(options, str):
        return [options]
    if isinstance(options, list) and options and all(isinstance(o, str) for o in options):
        return options
    if isinstance(options, dict) and "format" in options:
        return _formats(options["format"])
    raise TransformOptionsError('needs a format or a list of formats, e.g. {date: "%d/%m/%Y"}')


def _date(options: Any) -> ValueFn:
    formats = tuple(_formats(options))
    return _skip_none(lambda value: _parse_date(value, formats))


@lru_cache(maxsize=65_536)  # exports repeat dates a lot
def _parse_date(value: str, formats: tuple[str, ...]) -> str | None:
    text = value.strip()
    if not text:
        return None
    for fmt in formats:
        try:
            return parser_for(fmt)(text).date().isoformat()
        except ValueError:
            continue
    raise TransformError(f"{text!r} is not a date in the format {' or '.join(formats)}")


def _datetime(options: Any) -> ValueFn:
    """Parse with explicit formats; a naive value is local time in ``tz`` (default UTC)."""
    opts = options if isinstance(options, dict) else {"format": options}
    formats = tuple(_formats(opts))
    tz_name = opts.get("tz", "UTC")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TransformOptionsError(f"unknown time zone {tz_name!r}") from exc
    # One cache for every rule with the same formats: a row's timestamp often feeds several.
    return _skip_none(lambda value: _parse_datetime(value, formats, tz_name))


# The repeats are a row's timestamp feeding several rules, one after another: a small cache
# catches them (timestamps of different rows rarely repeat, and a large cache only grows).
@lru_cache(maxsize=1024)
def _parse_datetime(value: str, formats: tuple[str, ...], tz_name: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    for fmt in formats:
        try:
            moment = parser_for(fmt)(text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz_name))
        return moment.astimezone(UTC).isoformat()
    raise TransformError(f"{text!r} is not a date-time in the format {' or '.join(formats)}")


def _decimal(options: Any) -> ValueFn:
    """Numbers as exported: ``decimal: comma`` reads ``1.234,56``; ``decimal: point`` reads ``1,234.56``."""
    style = options if isinstance(options, str) else (options or {}).get("separator", "comma")
    if style not in ("comma", "point"):
        raise TransformOptionsError("separator must be 'comma' (1.234,56) or 'point' (1,234.56)")
    thousands, decimal_sep = (".", ",") if style == "comma" else (",", ".")

    @_skip_none
    def parse(value: str) -> str | None:
        text = value.strip().replace(" ", "").replace("€", "")
        if not text:
            return None
        text = text.replace(thousands, "").replace(decimal_sep, ".")
        try:
            return str(Decimal(text))
        except InvalidOperation as exc:
            raise TransformError(f"{value!r} is not a number ({style} decimal separator)") from exc

    return parse


def _boolean(options: Any) -> ValueFn:
    opts = options if isinstance(options, dict) else {}
    truthy = {str(v).strip().upper() for v in opts.get("true", ["SI", "SÌ", "S", "Y", "YES", "TRUE", "1", "X"])}
    falsy = {str(v).strip().upper() for v in opts.get("false", ["NO", "N", "FALSE", "0"])}

    @_skip_none
    def parse(value: str) -> bool | None:
        text = value.strip().upper()
        if not text:
            return None
        if text in truthy:
            return True
        if text in falsy:
            return False
        raise TransformError(f"{value!r} is neither yes ({sorted(truthy)}) nor no ({sorted(falsy)})")

    return parse


def _regex(options: Any) -> ValueFn:
    if not isinstance(options, dict) or "pattern" not in options:
        raise TransformOptionsError('needs {pattern: "...", replace: "..."}')
    try:
        pattern = re.compile(options["pattern"])
    except re.error as exc:
        raise TransformOptionsError(f"bad pattern: {exc}") from exc
    replacement = str(options.get("replace", ""))
    return _skip_none(lambda v: _blank_to_none(pattern.sub(replacement, v)))


def _split_name(options: Any) -> ValueFn:
    """Take one part of a full name: ``split_name: {part: family, order: family_first}``."""
    opts = options if isinstance(options, dict) else {}
    part = opts.get("part")
    order = opts.get("order", "given_first")
    if part not in ("given", "family") or order not in ("given_first", "family_first"):
        raise TransformOptionsError(
            "needs part: given|family and optional order: given_first|family_first"
        )
    from canonical.normalise.names import split_full_name  # canonical owns name rules

    @_skip_none
    def pick(value: str) -> str | None:
        given, family = split_full_name(value, family_first=(order == "family_first"))
        return given if part == "given" else family

    return pick


def _truncate(options: Any) -> ValueFn:
    if not isinstance(options, int) or options < 1:
        raise TransformOptionsError("needs a positive length, e.g. {truncate: 40}")
    return _skip_none(lambda v: v[:options])


TRANSFORMS: Mapping[str, TransformDef] = {
    d.name: d
    for d in (
        TransformDef("trim", _no_options(_trim), "strip surrounding spaces; blank becomes empty"),
        TransformDef("collapse_spaces", _no_options(_collapse_spaces), "runs of spaces to one, trimmed"),
        TransformDef("upper", _no_options(_case("upper")), "UPPER CASE"),
        TransformDef("lower", _no_options(_case("lower")), "lower case"),
        TransformDef("title", _no_options(_case("title")), "Title Case (plain)"),
        TransformDef("digits", _no_options(_digits), "keep digits only"),
        TransformDef("strip_accents", _no_options(_strip_accents), "è -> e"),
        TransformDef("date", _date, 'date with explicit formats: {date: "%d/%m/%Y"}'),
        TransformDef("datetime", _datetime, 'date-time: {datetime: {format: "%d/%m/%Y %H:%M", tz: Europe/Rome}}'),
        TransformDef("decimal", _decimal, "number with decimal comma (default) or point: {decimal: point}"),
        TransformDef("boolean", _boolean, "yes/no words to true/false: {boolean: {true: [SI], false: [NO]}}"),
        TransformDef("regex", _regex, 'replace by pattern: {regex: {pattern: "^0+", replace: ""}}'),
        TransformDef("split_name", _split_name, "one part of a full name: {split_name: {part: given}}"),
        TransformDef("truncate", _truncate, "cut to a length: {truncate: 40}"),
    )
}


def build_transform(step: Any) -> tuple[str, ValueFn]:
    """One step of a ``transform:`` list (a name, or ``{name: options}``) as (name, function)."""
    if isinstance(step, str):
        name, options = step, None
    elif isinstance(step, dict) and len(step) == 1:
        ((name, options),) = step.items()
    else:
        raise TransformOptionsError(
            "a transform step is a name (trim) or one {name: options} pair ({date: '%d/%m/%Y'})"
        )
    definition = TRANSFORMS.get(name)
    if definition is None:
        import difflib

        close = difflib.get_close_matches(name, list(TRANSFORMS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(TRANSFORMS)}"
        raise TransformOptionsError(f"unknown transform {name!r}{hint}")
    try:
        return name, definition.factory(options)
    except TransformOptionsError as exc:
        raise TransformOptionsError(f"transform {name!r} {exc}") from None
