"""Reading ``.env`` files in the subset of Compose's format that docker/ uses.

``KEY=value`` lines, ``#`` comment lines and blank lines; a value may be in single quotes (taken
literally) or double quotes. Anything else is an error, so a typo cannot hide a variable.
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(r"^(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def read_env_file(path: Path) -> dict[str, str]:
    """The variables ``path`` defines, in order; ``ValueError`` naming the line otherwise."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path.name} line {number}: not KEY=value: {raw!r}")
        if match["key"] in values:
            raise ValueError(f"{path.name} line {number}: {match['key']} is defined twice")
        values[match["key"]] = _unquote(match["value"].strip(), f"{path.name} line {number}")
    return values


def _unquote(value: str, where: str) -> str:
    if value[:1] in ("'", '"'):
        if len(value) < 2 or value[-1] != value[0]:
            raise ValueError(f"{where}: unterminated {value[0]} quote")
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def commented_lines(path: Path) -> list[str]:
    """The text of the comment lines (without the ``#``), for examples written in comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip()[1:].strip() for line in lines if line.strip().startswith("#")]
