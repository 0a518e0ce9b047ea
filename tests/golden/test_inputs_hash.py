"""The inputs hash: a refresh skips a golden record whose inputs did not change, and
recomputes it when any input did (a source's content, deletion or update time, membership,
an override, the policy, the survivorship code's revision)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from crmhub.golden import SurvivorshipPolicy, apply_clusters, merge, recompute
from crmhub.golden import inputs as inputs_module
from crmhub.golden import refresh as refresh_module
from crmhub.golden.overrides import Override, pin
from crmhub.store.schema import golden_records

from .conftest import GIULIA_SHOP, MARIO_ERP, MARIO_SALESFORCE, event_rows, golden_state


@pytest.fixture
def survived(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The source ids of every golden record survivorship computes, in order."""
    calls: list[list[int]] = []
    real = refresh_module.survive

    def counting(sources: Any, *args: Any, **kwargs: Any) -> Any:
        sources = list(sources)
        calls.append(sorted(s.id for s in sources))
        return real(sources, *args, **kwargs)

    monkeypatch.setattr(refresh_module, "survive", counting)
    return calls


def stored_hashes(engine) -> dict[str, str | None]:
    g = golden_records.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(g.id, g.inputs_hash)).all())


def stored_versions(engine) -> dict[str, int]:
    g = golden_records.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(g.id, g.version)).all())


def test_every_golden_record_stores_the_hash_of_its_inputs(store_engine, records):
    hashes = stored_hashes(store_engine)
    assert len(hashes) == 3 and all(h is not None and len(h) == 32 for h in hashes.values())
    assert len(set(hashes.values())) == 3


def test_a_recompute_with_nothing_changed_reads_no_content_and_changes_nothing(
    store_engine, records, survived
):
    before, events = golden_state(store_engine), len(event_rows(store_engine))

    result = recompute(store_engine, None, actor="scheduler")

    assert survived == []
    assert (result.checked, result.written) == (3, 0)
    assert golden_state(store_engine) == before
    assert len(event_rows(store_engine)) == events


def test_a_changed_source_recomputes_its_golden_record_only(
    store_engine, sources, records, survived
):
    ids, golden = records
    changed = {**MARIO_SALESFORCE, "phones": ["+39 347 555 0199"]}
    sources.change(ids["crm"], changed, "2024-10-01")

    result = recompute(store_engine, None, actor="scheduler")

    assert survived == [sorted([ids["erp"], ids["crm"]])]
    assert result.written == 1
    assert (
        golden_state(store_engine)["live"][golden["mario"]]["data"]["phones"][0]["value"]
        == "+393475550199"
    )
    survived.clear()
    recompute(store_engine, None, actor="scheduler")
    assert survived == []  # and the new hash is stored


def test_a_new_update_time_alone_recomputes(store_engine, records, survived):
    """The recency rules rank by it: the same content with another time may win elsewhere."""
    ids, _ = records
    with store_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE source_records SET source_updated_at = :at WHERE id = :id"),
            {"at": datetime(2025, 1, 1, tzinfo=UTC), "id": ids["erp"]},
        )
    recompute(store_engine, None, actor="scheduler")
    assert survived == [sorted([ids["erp"], ids["crm"]])]


def test_a_deleted_source_recomputes_and_retires(store_engine, sources, records, survived):
    ids, golden = records
    sources.delete(ids["giulia"])

    result = recompute(store_engine, None, actor="scheduler")

    assert survived == [[ids["giulia"]]]
    assert result.retired == 1
    assert golden_state(store_engine)["live"][golden["giulia"]]["retired"]


def test_an_override_written_without_a_refresh_is_picked_up(store_engine, records, survived):
    _, golden = records
    with store_engine.begin() as conn:
        pin(
            conn,
            Override(
                "person.birth_date",
                "1980-01-01",
                "anna",
                "identity card",
                datetime(2024, 11, 1, tzinfo=UTC),
                golden["mario"],
            ),
        )
    recompute(store_engine, None, actor="scheduler")
    assert len(survived) == 1
    assert (
        golden_state(store_engine)["live"][golden["mario"]]["data"]["person"]["birth_date"]
        == "1980-01-01"
    )


def test_another_policy_recomputes_everything(store_engine, records, survived):
    _, golden = records
    policy = SurvivorshipPolicy("source_priority", ("erp", "salesforce", "shop"))

    recompute(store_engine, None, actor="scheduler", policy=policy)

    assert len(survived) == 3
    assert (
        golden_state(store_engine)["live"][golden["mario"]]["data"]["person"]["birth_date"]
        == "1980-01-01"
    )
    survived.clear()
    recompute(store_engine, None, actor="scheduler", policy=policy)
    assert survived == []


def test_a_new_survivorship_revision_recomputes_everything_once(
    store_engine, records, survived, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(
        inputs_module, "SURVIVORSHIP_REVISION", inputs_module.SURVIVORSHIP_REVISION + 1
    )
    versions = stored_versions(store_engine)

    result = recompute(store_engine, None, actor="scheduler")

    assert len(survived) == 3 and result.written == 0
    # the same content: no new version, only the new hash
    assert stored_versions(store_engine) == versions
    survived.clear()
    recompute(store_engine, None, actor="scheduler")
    assert survived == []


def test_a_store_from_before_the_hash_is_recomputed_once_without_events(
    store_engine, records, survived
):
    with store_engine.begin() as conn:
        conn.execute(sa.update(golden_records).values(inputs_hash=None))
    before, events = golden_state(store_engine), len(event_rows(store_engine))

    recompute(store_engine, None, actor="scheduler")

    assert len(survived) == 3
    assert golden_state(store_engine) == before and len(event_rows(store_engine)) == events
    assert all(h is not None for h in stored_hashes(store_engine).values())


def test_a_merge_recomputes_the_survivor_and_forgets_the_merged_records_hash(
    store_engine, records, survived
):
    ids, golden = records
    merge(store_engine, golden["shop_mario"], golden["mario"], actor="anna", why="same person")

    assert survived[-1] == sorted([ids["erp"], ids["crm"], ids["shop"]])
    assert stored_hashes(store_engine)[golden["shop_mario"]] is None


def test_records_recomputed_anyway_are_hashed_without_a_stamp_query(
    store_engine, sources, monkeypatch: pytest.MonkeyPatch
):
    """New golden records (like noted or unhashed ones) are recomputed whatever their inputs:
    their hash comes from the content read for survivorship. Only the others are checked
    against their source records' stamps."""
    asked: list[int] = []
    real = refresh_module.load_source_stamps

    def spying(conn: Any, ids: Any) -> Any:
        ids = list(ids)
        asked.extend(ids)
        return real(conn, ids)

    monkeypatch.setattr(refresh_module, "load_source_stamps", spying)
    erp = sources.add("erp", "C001", MARIO_ERP, "2024-03-01")
    shop = sources.add("shop", "7002", GIULIA_SHOP, "2024-09-02")

    apply_clusters(store_engine, [{erp}, {shop}], actor="matcher")

    assert asked == []
    assert all(h is not None for h in stored_hashes(store_engine).values())
    recompute(store_engine, None, actor="scheduler")
    assert sorted(asked) == sorted([erp, shop])
