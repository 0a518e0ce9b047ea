"""Bulk behaviour: the number of statements does not grow with the number of records
(executemany and IN lists, no round trip per record)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.golden import apply_clusters, recompute

from .conftest import person

NAMES = [("Mario", "Rossi"), ("Giulia", "Bianchi"), ("Luca", "Verdi"), ("Anna", "Russo")]


WRITES = ("INSERT", "UPDATE", "DELETE")


def statements(engine: Engine, action: Callable[[], object], *, writes_only: bool = False) -> int:
    """How many statements (an executemany counts once) ``action`` sends to the database;
    with ``writes_only``, only the INSERT, UPDATE and DELETE statements."""
    count = 0

    def counter(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal count
        if not writes_only or statement.lstrip().upper().startswith(WRITES):
            count += 1

    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return count


def customers(sources, how_many: int, prefix: str) -> list[set[int]]:
    """``how_many`` customers, each in the ERP and the shop: one cluster of two per customer."""
    rows = []
    for i in range(how_many):
        given, family = NAMES[i % len(NAMES)]
        data = person(
            given, family, emails=[f"{given.lower()}.{family.lower()}.{prefix}{i}@example.it"]
        )
        rows += [
            ("erp", f"{prefix}E{i}", data, "2024-01-01"),
            ("shop", f"{prefix}S{i}", data, "2024-02-01"),
        ]
    ids = sources.add_many(rows)
    return [{ids[2 * i], ids[2 * i + 1]} for i in range(how_many)]


def test_statements_do_not_grow_with_the_number_of_customers(store_engine, sources):
    few = customers(sources, 20, "a")
    many = customers(sources, 200, "b")  # 400 source records: still one IN list per lookup

    few_create = statements(
        store_engine, lambda: apply_clusters(store_engine, few, actor="matcher")
    )
    many_create = statements(
        store_engine, lambda: apply_clusters(store_engine, many, actor="matcher")
    )
    writes_again = statements(
        store_engine,
        lambda: apply_clusters(store_engine, many, actor="matcher"),
        writes_only=True,
    )
    all_recompute = statements(store_engine, lambda: recompute(store_engine, None, actor="crmhub"))

    assert many_create == few_create
    assert writes_again == 0  # nothing to write the second time
    assert all_recompute < 20
