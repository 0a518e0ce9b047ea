"""Keyset pagination, proved on SQLite (the SQL is portable; the ODBC tests prove it on the servers).

The predicate must select exactly the rows at or after a position in tuple order, and a scan
must deliver every row exactly once whatever the page size, reporting rows that repeat a
position instead of dropping them.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.builtin.sql.keyset import (
    KeysetScan,
    after_position_params,
    after_position_sql,
)


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER, payload TEXT)")
    yield connection
    connection.close()


def test_the_predicate_reads_as_nested_tuple_comparison() -> None:
    assert after_position_sql(["a"]) == "a >= ?"
    assert after_position_sql(["a", "b"]) == "a >= ? AND (a > ? OR (a = ? AND (b >= ?)))"
    assert after_position_params([1, "x"]) == [1, 1, 1, "x"]
    assert after_position_params([1, "x", 3]) == [1, 1, 1, "x", "x", 3]


VALUES = list(itertools.product([1, 2, 3], ["a", "b", "c"], [1, 2]))


@pytest.mark.parametrize("width", [1, 2, 3])
def test_the_predicate_selects_exactly_the_rows_at_or_after_a_position(
    db: sqlite3.Connection, width: int
) -> None:
    db.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", VALUES)
    columns = ["a", "b", "c"][:width]
    for position in {v[:width] for v in VALUES}:
        sql = f"SELECT a, b, c FROM t WHERE {after_position_sql(columns)}"
        got = sorted(db.execute(sql, after_position_params(position)).fetchall())
        assert got == sorted(v for v in VALUES if v[:width] >= position)


def scan_of(page_size: int, **extra: Any) -> KeysetScan:
    return KeysetScan(
        select_sql="SELECT a, b, c, payload FROM t",
        order_sql=("a", "b", "c"),
        order_indexes=(0, 1, 2),
        limit_clause="LIMIT {n}",
        page_size=page_size,
        **extra,
    )


def fetcher(db: sqlite3.Connection) -> Any:
    return lambda sql, params: db.execute(sql, params).fetchall()


@settings(max_examples=60, deadline=None)
@given(
    rows=st.sets(
        st.tuples(st.integers(0, 3), st.sampled_from("xyz"), st.integers(0, 40)), max_size=80
    ),
    page_size=st.integers(1, 25),
)
def test_every_row_arrives_once_whatever_the_page_size(
    rows: set[tuple[int, str, int]], page_size: int
) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER, payload TEXT)")
    db.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", rows)
    pages = list(scan_of(page_size).pages(fetcher(db)))
    delivered = [tuple(r[:3]) for page in pages for r in page.rows]
    assert delivered == sorted(rows)
    assert not any(page.duplicates for page in pages)
    assert all(len(page.rows) <= page_size for page in pages)


def test_a_row_repeating_a_position_across_a_page_boundary_is_reported(
    db: sqlite3.Connection,
) -> None:
    rows = [(1, "a", n, "first") for n in range(1, 4)] + [(1, "a", 3, "twin")]
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    pages = list(scan_of(3).pages(fetcher(db)))
    delivered = [r[3] for page in pages for r in page.rows]
    duplicates = [tuple(r) for page in pages for r in page.duplicates]
    assert len(delivered) == 3 and len(duplicates) == 1
    assert duplicates[0][:3] == (1, "a", 3)


def test_more_rows_at_one_position_than_a_page_holds_are_all_reported_once(
    db: sqlite3.Connection,
) -> None:
    db.executemany("INSERT INTO t VALUES (1, 'a', 1, ?)", [(str(n),) for n in range(7)])
    db.execute("INSERT INTO t VALUES (2, 'a', 1, 'after')")
    pages = list(scan_of(2).pages(fetcher(db)))
    delivered = [r[3] for page in pages for r in page.rows]
    duplicates = [r[3] for page in pages for r in page.duplicates]
    assert len(delivered) == 2 and delivered[-1] == "after"
    assert sorted(delivered[:1] + duplicates) == [str(n) for n in range(7)]


def test_a_scan_resumes_right_after_a_position_and_filters_apply(db: sqlite3.Connection) -> None:
    db.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", VALUES)
    scan = scan_of(4, resume_after=(2, "b", 1), filters=("c = ?",), filter_params=(2,))
    delivered = [tuple(r[:3]) for page in scan.pages(fetcher(db)) for r in page.rows]
    assert delivered == [v for v in VALUES if v > (2, "b", 1) and v[2] == 2]


def test_a_start_value_bounds_the_first_column(db: sqlite3.Connection) -> None:
    db.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", VALUES)
    scan = scan_of(5, start=3)
    delivered = [tuple(r[:3]) for page in scan.pages(fetcher(db)) for r in page.rows]
    assert delivered == [v for v in VALUES if v[0] >= 3]
