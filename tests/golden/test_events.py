"""Every change to a golden record is an event, and events are only ever appended."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from crmhub.golden import (
    EVENT_KINDS,
    apply_clusters,
    golden_id_of_source,
    merge,
    recompute,
    set_override,
    undo,
    unmerge,
)
from crmhub.store.schema import events, golden_records

from .conftest import GIULIA_SHOP, MARIO_ERP, MARIO_SALESFORCE, MARIO_SHOP, event_rows


def versions(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(golden_records.c.id, golden_records.c.version)).all())


def test_every_change_is_one_event_and_earlier_events_never_change(store_engine, sources):
    erp = sources.add("erp", "C001", MARIO_ERP, "2024-03-01")
    crm = sources.add("salesforce", "0035g00000A1", MARIO_SALESFORCE, "2024-06-10")
    shop = sources.add("shop", "7001", MARIO_SHOP, "2024-09-01")
    giulia = sources.add("shop", "7002", GIULIA_SHOP, "2024-09-02")
    seen: list[tuple] = []

    def step(action) -> None:
        action()
        now = event_rows(store_engine)
        assert now[: len(seen)] == seen  # appended only: nothing earlier updated or deleted
        seen[:] = now

    step(lambda: apply_clusters(store_engine, [{erp, crm}, {shop}, {giulia}], actor="matcher"))
    mario = golden_id_of_source(store_engine, "erp", "customers", "C001")
    shop_mario = golden_id_of_source(store_engine, "shop", "customers", "7001")
    step(lambda: apply_clusters(store_engine, [{erp, crm, shop}, {giulia}], actor="matcher"))
    step(lambda: unmerge(store_engine, mario, [shop], actor="anna"))
    merged = []
    step(
        lambda: merged.append(
            merge(
                store_engine,
                mario,
                golden_id_of_source(store_engine, "shop", "customers", "7001"),
                actor="anna",
            )
        )
    )
    step(lambda: undo(store_engine, merged[0].event_id, actor="anna"))
    step(lambda: set_override(store_engine, mario, "display_name", "Mario Rossi", actor="anna"))
    step(lambda: sources.delete(giulia))
    step(lambda: recompute(store_engine, None, actor="crmhub"))

    # Each golden record's version counts its changes; each change left exactly one event.
    per_subject = Counter(subject for _id, _kind, subject, _actor, _data in seen)
    assert per_subject == Counter(versions(store_engine))
    assert {kind for _id, kind, *_ in seen} <= set(EVENT_KINDS)
    assert {kind for _id, kind, *_ in seen} >= {
        "golden.created",
        "golden.merged",
        "golden.redirected",
        "golden.unmerged",
        "golden.restored",
        "golden.override_set",
        "golden.retired",
    }
    assert shop_mario in per_subject


def test_the_store_refuses_to_change_an_event(store_engine, sources):
    apply_clusters(store_engine, [{sources.add("shop", "7002", GIULIA_SHOP)}], actor="matcher")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store_engine.begin() as conn:
        conn.execute(sa.update(events).values(actor="someone else"))
