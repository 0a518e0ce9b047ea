"""Schedules as Airflow understands them: a preset (``@daily``) or a five-field cron expression."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Presets Airflow accepts in place of a cron expression.
PRESETS: frozenset[str] = frozenset(
    {
        "@once",
        "@continuous",
        "@hourly",
        "@daily",
        "@weekly",
        "@monthly",
        "@quarterly",
        "@yearly",
        "@annually",
        "@midnight",
    }
)


@dataclass(frozen=True, slots=True)
class CronField:
    """One of the five fields of a cron expression: its name, range and accepted names."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i


CRON_FIELDS: tuple[CronField, ...] = (
    CronField("minute", 0, 59),
    CronField("hour", 0, 23),
    CronField("day of month", 1, 31),
    CronField(
        "month",
        1,
        12,
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ),
    CronField("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)

_ITEM = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")


def schedule_problem(value: str) -> str | None:
    """Why ``value`` is not a valid schedule, or None when it is."""
    text = value.strip()
    if text.startswith("@"):
        if text in PRESETS:
            return None
        return f"unknown preset {text!r}; presets are {', '.join(sorted(PRESETS))}"
    parts = text.split()
    if len(parts) != len(CRON_FIELDS):
        return (
            f"a cron expression has {len(CRON_FIELDS)} fields (minute hour day-of-month month "
            f"day-of-week), {text!r} has {len(parts)}"
        )
    for part, spec in zip(parts, CRON_FIELDS, strict=True):
        for item in part.lower().split(","):
            problem = _item_problem(item, spec)
            if problem:
                return f"{spec.name} field {part!r}: {problem}"
    return None


def _item_problem(item: str, spec: CronField) -> str | None:
    match = _ITEM.match(item)
    if not match:
        return f"cannot read {item!r}"
    if match["step"] is not None and int(match["step"]) == 0:
        return "a step of 0 never fires"
    if match["range"] == "*":
        return None
    bounds = [_value(v, spec) for v in match["range"].split("-")]
    for bound in bounds:
        if bound is None or not spec.low <= bound <= spec.high:
            return f"values run from {spec.low} to {spec.high}"
    if len(bounds) == 2 and bounds[0] > bounds[1]:  # type: ignore[operator]
        return f"range {item!r} runs backwards"
    return None


def _value(token: str, spec: CronField) -> int | None:
    if token.isdigit():
        return int(token)
    if token in spec.names:
        return spec.low + spec.names.index(token)
    return None
