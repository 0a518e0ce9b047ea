"""A steward's merge and unmerge: stable ids, redirects, xref, events, decisions; and undo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmhub.golden import (
    MergeRefused,
    UndoRefused,
    UnmergeRefused,
    apply_clusters,
    golden_id_of_source,
    golden_record,
    merge,
    undo,
    unmerge,
)
from crmhub.golden.decisions import latest_decisions

from .conftest import event_rows, golden_state


def test_merge_keeps_the_id_with_more_sources_and_the_other_redirects(store_engine, records):
    ids, golden = records

    result = merge(
        store_engine, golden["shop_mario"], golden["mario"], actor="anna", why="same person"
    )

    assert (result.survivor, result.merged) == (golden["mario"], golden["shop_mario"])
    record = golden_record(store_engine, golden["shop_mario"])
    assert (record.id, record.requested_id) == (golden["mario"], golden["shop_mario"])
    assert sorted(s.id for s in record.sources) == sorted([ids["erp"], ids["crm"], ids["shop"]])
    assert record.lineage["emails[0]"]["value_from"] == ids["shop"]
    events = event_rows(store_engine)[-2:]
    assert [(e[1], e[2], e[3]) for e in events] == [
        ("golden.merged", golden["mario"], "anna"),
        ("golden.redirected", golden["shop_mario"], "anna"),
    ]
    assert events[0][0] == result.event_id
    assert events[0][4]["why"] == "same person" and events[0][4]["merged"] == golden["shop_mario"]
    assert events[1][4]["redirect_to"] == golden["mario"]


def test_merge_records_the_stewards_decision_for_the_matcher(store_engine, records):
    ids, golden = records
    merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")
    with store_engine.connect() as conn:
        decisions = latest_decisions(conn, [ids["shop"]])
    assert decisions == {(min(ids["erp"], ids["shop"]), max(ids["erp"], ids["shop"])): "same"}


def test_merging_a_record_with_itself_or_a_person_with_a_company_is_refused(
    store_engine, records, sources
):
    _, golden = records
    with pytest.raises(MergeRefused, match="are already one record"):
        merge(store_engine, golden["mario"], golden["mario"], actor="anna")
    company = sources.add(
        "erp", "F001", {"organization": {"legal_name": "Ferramenta Rossi S.n.c."}}
    )
    apply_clusters(store_engine, [{company}], actor="matcher")
    company_id = golden_id_of_source(store_engine, "erp", "customers", "F001")
    with pytest.raises(MergeRefused, match="is a person and .* an organization") as caught:
        merge(store_engine, golden["mario"], company_id, actor="anna")
    assert "related parties" in (caught.value.hint or "")


def test_unmerge_takes_records_out_and_the_bigger_part_keeps_the_id(store_engine, records, sources):
    ids, golden = records
    merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")

    result = unmerge(store_engine, golden["mario"], [ids["shop"]], actor="anna", why="a namesake")

    assert result.kept == golden["mario"] and result.split not in golden.values()
    assert golden_id_of_source(store_engine, "shop", "customers", "7001") == result.split
    assert (
        golden_record(store_engine, result.split).data["emails"][0]["value"]
        == "mario.rossi80@gmail.com"
    )
    with store_engine.connect() as conn:
        assert set(latest_decisions(conn, [ids["shop"]]).values()) == {"different"}
    # On a tie (one and one) the part not named keeps the id.
    tie = unmerge(store_engine, golden["mario"], [ids["erp"]], actor="anna")
    assert tie.kept == golden["mario"]
    assert golden_id_of_source(store_engine, "erp", "customers", "C001") == tie.split


def test_when_the_named_part_is_the_bigger_one_it_keeps_the_id(store_engine, records):
    ids, golden = records
    merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")

    result = unmerge(store_engine, golden["mario"], [ids["erp"], ids["crm"]], actor="anna")

    assert golden_id_of_source(store_engine, "erp", "customers", "C001") == golden["mario"]
    assert golden_id_of_source(store_engine, "shop", "customers", "7001") == result.split


def test_unmerge_refuses_sources_that_are_not_in_the_record_and_taking_everything(
    store_engine, records
):
    ids, golden = records
    with pytest.raises(
        UnmergeRefused, match=rf"{ids['giulia']} \(in {golden['giulia']}\) are not in golden record"
    ):
        unmerge(store_engine, golden["mario"], [ids["giulia"]], actor="anna")
    with pytest.raises(UnmergeRefused, match="would leave nothing"):
        unmerge(store_engine, golden["mario"], [ids["erp"], ids["crm"]], actor="anna")
    with pytest.raises(UnmergeRefused, match="no source record named"):
        unmerge(store_engine, golden["mario"], [], actor="anna")


def test_undoing_a_merge_restores_both_records_exactly(store_engine, records):
    ids, golden = records
    before = golden_state(store_engine)
    with store_engine.connect() as conn:
        decisions_before = latest_decisions(conn, list(ids.values()))

    merged = merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")
    undone = undo(store_engine, merged.event_id, actor="anna", why="too hasty")

    assert golden_state(store_engine) == before
    with store_engine.connect() as conn:
        after = latest_decisions(conn, list(ids.values()))
    assert {pair: d for pair, d in after.items() if d != "unsure"} == decisions_before
    kinds = [(e[1], e[2]) for e in event_rows(store_engine) if e[0] > merged.event_id]
    assert kinds == [
        ("golden.redirected", golden["shop_mario"]),
        ("golden.unmerged", golden["mario"]),
        ("golden.restored", golden["shop_mario"]),
    ]
    assert event_rows(store_engine)[-2][4]["undoes"] == merged.event_id

    redone = undo(store_engine, undone.event_id, actor="anna")  # an undo can be undone
    assert golden_record(store_engine, golden["shop_mario"]).id == golden["mario"]
    undo(store_engine, redone.event_id, actor="anna")
    assert golden_state(store_engine) == before


def test_undoing_an_unmerge_puts_the_part_back_and_its_new_id_redirects(store_engine, records):
    ids, golden = records
    merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")
    before = golden_state(store_engine)

    split = unmerge(store_engine, golden["mario"], [ids["shop"]], actor="anna")
    undo(store_engine, split.event_id, actor="anna")

    after = golden_state(store_engine)
    assert after["live"] == before["live"]
    assert after["redirects"] == {**before["redirects"], split.split: golden["mario"]}


def test_an_undo_blocked_by_a_later_change_is_refused_until_that_is_undone(store_engine, records):
    ids, golden = records
    merged = merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")
    split = unmerge(store_engine, golden["mario"], [ids["shop"]], actor="anna")

    with pytest.raises(UndoRefused, match="are no longer in golden record") as caught:
        undo(store_engine, merged.event_id, actor="anna")
    assert "undo the later changes first" in (caught.value.hint or "")

    undo(store_engine, split.event_id, actor="anna")
    undo(store_engine, merged.event_id, actor="anna")  # now it goes through
    assert golden_id_of_source(store_engine, "shop", "customers", "7001") == golden["shop_mario"]
    with pytest.raises(UndoRefused, match="already undone or overtaken"):
        undo(store_engine, merged.event_id, actor="anna")


def test_only_merges_and_unmerges_can_be_undone(store_engine, records):
    first_event = event_rows(store_engine)[0][0]
    with pytest.raises(
        UndoRefused, match=rf"event #{first_event} \(golden.created\) cannot be undone"
    ):
        undo(store_engine, first_event, actor="anna")
    with pytest.raises(UndoRefused, match="there is no event #424242"):
        undo(store_engine, 424242, actor="anna")


def test_merge_and_unmerge_follow_redirected_ids(store_engine, records):
    ids, golden = records
    merge(store_engine, golden["mario"], golden["shop_mario"], actor="anna")
    result = unmerge(store_engine, golden["shop_mario"], [ids["shop"]], actor="anna")
    assert result.kept == golden["mario"]
    with store_engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM golden_records")).scalar_one()
    assert count == 4  # three from the clusters and one for the part that left
