"""The SOQL of an incremental read: one keyset page in (SystemModstamp, Id) order.

``SystemModstamp`` has one-second precision and many records share a second, so a position is
the pair (SystemModstamp, Id) and the next page starts strictly after it::

    SELECT ... FROM Contact
    WHERE SystemModstamp >= 2026-01-01T00:00:05Z
      AND (SystemModstamp > 2026-01-01T00:00:05Z OR Id > '0035g000000000AAAA')
    ORDER BY SystemModstamp, Id LIMIT 2000

(``>`` alone loses the rest of a second cut by a page boundary; ``>=`` alone repeats it.)
Ids of one object have one length and sort as strings in Salesforce's order.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from connectors.builtin.salesforce.fields import CURSOR_FIELD, KEY_FIELD
from connectors.sdk import ConnectorError, CursorPosition

_SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal in UTC, cut to the second (the precision of SystemModstamp)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_id(value: str) -> str:
    """A quoted SOQL literal for a Salesforce Id; anything else is refused (it would be injected)."""
    if not _SALESFORCE_ID.fullmatch(value):
        raise ConnectorError(
            f"saved read position holds {value!r}, which is not a Salesforce Id",
            hint="the stream's saved state is damaged: reset it to read the object again",
        )
    return f"'{value}'"


def page_query(
    sobject: str,
    fields: tuple[str, ...],
    *,
    start: datetime | None,
    after: CursorPosition | None,
    limit: int,
) -> str:
    """One page of ``sobject``: from ``start`` (inclusive) or strictly after ``after``."""
    conditions: list[str] = []
    if after is not None:
        stamp = soql_datetime(after.cursor)
        conditions.append(f"{CURSOR_FIELD} >= {stamp}")
        conditions.append(f"({CURSOR_FIELD} > {stamp} OR {KEY_FIELD} > {soql_id(after.key)})")
    elif start is not None:
        conditions.append(f"{CURSOR_FIELD} >= {soql_datetime(start)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT {', '.join(fields)} FROM {sobject}{where} "
        f"ORDER BY {CURSOR_FIELD}, {KEY_FIELD} LIMIT {limit}"
    )
