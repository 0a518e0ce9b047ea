"""Keyset pagination: read a table in pages ordered by (cursor, key...), never by OFFSET.

A page after position ``p = (v1, ..., vn)`` of the ordering columns ``(c1, ..., cn)`` is

    c1 >= v1 AND (c1 > v1 OR (c1 = v1 AND (c2 > v2 OR (c2 = v2 AND ... cn >= vn))))

portable SQL for MariaDB and PostgreSQL alike (row-value comparisons are not used because not
every optimiser turns them into an index range; the leading ``c1 >= v1`` gives it the range).
The last comparison is ``>=``: every page starts again at the last row already seen (and asks
for that many rows more than a page), so a row that shares that exact position with it (a key
that is not unique, as in a join) is noticed and reported as a duplicate instead of silently
skipped at a page boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

Row = Sequence[Any]
FetchPage = Callable[[str, list[Any]], list[Row]]


def after_position_sql(columns: Sequence[str]) -> str:
    """The predicate for rows at or after a position of ``columns`` (quoted names), with ``?``."""
    expression = f"{columns[-1]} >= ?"
    for column in reversed(columns[:-1]):
        expression = f"{column} > ? OR ({column} = ? AND ({expression}))"
    if len(columns) == 1:
        return expression
    return f"{columns[0]} >= ? AND ({expression})"


def after_position_params(values: Sequence[Any]) -> list[Any]:
    """The parameters of ``after_position_sql`` for a position's ``values``, in order."""
    if len(values) == 1:
        return [values[0]]
    params = [values[0]]
    for value in values[:-1]:
        params += [value, value]
    params.append(values[-1])
    return params


@dataclass(slots=True)
class Page:
    """The rows of one page not seen before, and rows repeating an earlier row's position."""

    number: int
    rows: list[Row] = field(default_factory=list)
    duplicates: list[Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KeysetScan:
    """Pages of ``select_sql`` ordered by ``order_sql`` (quoted columns at ``order_indexes``).

    ``filters`` (SQL) and ``filter_params`` narrow every page; ``start``, when given, is the
    lowest value of the first ordering column on the first page; ``resume_after``, when given,
    is a position (values as the driver returns them) delivered by an earlier read: the scan
    starts right after it. ``to_param`` turns a position's
    values into parameters (the dialect's datetime binding).
    """

    select_sql: str
    order_sql: tuple[str, ...]
    order_indexes: tuple[int, ...]
    limit_clause: str
    page_size: int
    filters: tuple[str, ...] = ()
    filter_params: tuple[Any, ...] = ()
    start: Any = None
    resume_after: tuple[Any, ...] | None = None
    to_param: Callable[[Any], Any] = lambda value: value

    def _query(self, last: tuple[Any, ...] | None, skip: int) -> tuple[str, list[Any]]:
        conditions = list(self.filters)
        params = list(self.filter_params)
        if last is not None:
            conditions.append(f"({after_position_sql(self.order_sql)})")
            params += after_position_params([self.to_param(v) for v in last])
        elif self.start is not None:
            conditions.append(f"{self.order_sql[0]} >= ?")
            params.append(self.to_param(self.start))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = self.limit_clause.format(n=int(self.page_size + skip))
        sql = f"{self.select_sql}{where} ORDER BY {', '.join(self.order_sql)} {limit}"
        return sql, params

    def position(self, row: Row) -> tuple[Any, ...]:
        """The values of the ordering columns in ``row``."""
        return tuple(row[i] for i in self.order_indexes)

    def pages(self, fetch: FetchPage) -> Iterator[Page]:
        """Every page, in order; ``fetch(sql, params)`` runs one page's query."""
        last = self.resume_after
        seen_at_last = 0 if last is None else 1
        number = 0
        while True:
            number += 1
            skip = seen_at_last  # rows at ``last`` delivered before: the page starts with them
            rows = fetch(*self._query(last, skip))
            page = Page(number)
            to_skip = skip
            for row in rows:
                position = self.position(row)
                if position == last:
                    if to_skip:
                        to_skip -= 1
                        continue
                    page.duplicates.append(row)
                    seen_at_last += 1
                else:
                    page.rows.append(row)
                    last, seen_at_last = position, 1
            if page.rows or page.duplicates:
                yield page
            if len(rows) < self.page_size + skip:
                return
