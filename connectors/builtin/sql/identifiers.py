"""Names from the configuration, made safe for SQL and checked against what the database has.

A configured name is never pasted into SQL as it is: it is quoted with the driver's own quote
character (any quote character inside it doubled), so ``customers; DROP TABLE x`` is just a
table that does not exist. Column names are then matched against the real columns, so a typo
is a ``ConfigError`` naming the stream and the column, with the close matches.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from connectors.sdk import ConfigError

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class Quoter:
    """Quotes identifiers with the driver's ``SQL_IDENTIFIER_QUOTE_CHAR``."""

    def __init__(self, quote_char: str) -> None:
        # A driver answering " " (or nothing) supports no quoting: only plain names then.
        self.quote_char = quote_char.strip()

    def __call__(self, name: str) -> str:
        """``name`` as a quoted identifier."""
        if "\x00" in name:
            raise ConfigError(f"identifier {name!r} contains a NUL character")
        if not self.quote_char:
            if not _PLAIN.match(name):
                raise ConfigError(
                    f"identifier {name!r} needs quoting, and this ODBC driver supports none",
                    hint="use a name of letters, digits and '_' (a view can rename it)",
                )
            return name
        q = self.quote_char
        return f"{q}{name.replace(q, q + q)}{q}"

    def table(self, table: str, schema: str | None = None) -> str:
        """``schema.table`` (or ``table``), each part quoted."""
        return f"{self(schema)}.{self(table)}" if schema else self(table)


def close_matches(name: str, candidates: Sequence[str]) -> list[str]:
    """Up to three of ``candidates`` that look like ``name`` (case ignored)."""
    lowered = {c.lower(): c for c in candidates}
    return [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=3)]


def resolve_column(name: str, columns: Sequence[str], *, stream: str, role: str) -> str:
    """The real name of configured column ``name`` among ``columns``.

    An exact match wins; otherwise a unique match ignoring case (``CODICE`` for PostgreSQL's
    ``codice``). ``role`` says where the name came from ("key", "cursor", "write.id_column").
    """
    if name in columns:
        return name
    same_letters = [c for c in columns if c.lower() == name.lower()]
    if len(same_letters) == 1:
        return same_letters[0]
    suggestions = close_matches(name, columns)
    hint = (
        f"did you mean {', '.join(repr(s) for s in suggestions)}?"
        if suggestions
        else f"columns: {', '.join(columns)}"
    )
    raise ConfigError(f"stream {stream!r}: {role} column {name!r} does not exist", hint=hint)


def resolve_columns(
    names: Sequence[str], columns: Sequence[str], *, stream: str, role: str
) -> list[str]:
    """``resolve_column`` for each of ``names``, in order, without duplicates."""
    resolved: list[str] = []
    for name in names:
        real = resolve_column(name, columns, stream=stream, role=role)
        if real not in resolved:
            resolved.append(real)
    return resolved
