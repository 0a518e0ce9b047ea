"""Column types shared by the store's tables: UTC timestamps and portable JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


def utc_now() -> datetime:
    """The current time as a tz-aware UTC datetime (what every timestamp column stores)."""
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in tz-aware and comes out tz-aware in UTC, on every database.

    PostgreSQL keeps it as ``timestamptz``. SQLite has no time zones, so the value is
    stored as naive UTC text and given back its UTC zone on the way out. A naive
    datetime is refused: its zone would be a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} given for a store timestamp; "
                "pass a tz-aware value, e.g. datetime.now(UTC)"
            )
        if value.tzinfo is not UTC:  # the common case (utc_now()) skips the conversion
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON everywhere, stored as JSONB on PostgreSQL (indexable, compact)."""
    return sa.JSON().with_variant(JSONB(), "postgresql")


def big_id_type() -> sa.types.TypeEngine[int]:
    """A 64-bit surrogate key; on SQLite plain INTEGER, so it aliases the rowid and autoincrements."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
