"""apply_clusters against a real store: golden records created, merged and split by the
matcher's clusters, idempotent reruns, events, stewards' decisions respected."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmhub.golden import (
    InvalidClusters,
    apply_clusters,
    golden_id_of_source,
    golden_record,
    recompute,
)
from crmhub.golden.decisions import write_decisions
from crmhub.store.schema import golden_records
from crmhub.store.types import utc_now

from .conftest import (
    GIULIA_SHOP,
    MARIO_ERP,
    MARIO_SALESFORCE,
    MARIO_SHOP,
    event_rows,
    golden_state,
    person,
)


@pytest.fixture
def mario(sources):
    """Mario Rossi in three systems, and Giulia Bianchi in the shop: ids (erp, crm, shop, giulia)."""
    return (
        sources.add("erp", "C001", MARIO_ERP, "2024-03-01"),
        sources.add("salesforce", "0035g00000A1", MARIO_SALESFORCE, "2024-06-10", stream="Contact"),
        sources.add("shop", "7001", MARIO_SHOP, "2024-09-01"),
        sources.add("shop", "7002", GIULIA_SHOP, "2024-09-02"),
    )


def test_each_cluster_becomes_a_golden_record_with_every_source_in_its_xref(store_engine, mario):
    erp, crm, shop, giulia = mario

    result = apply_clusters(
        store_engine, [{erp, crm, shop}, {giulia}], actor="matcher", run_id=None
    )

    assert (result.clusters, result.created, result.written, result.events) == (2, 2, 2, 2)
    gid = golden_id_of_source(store_engine, "salesforce", "Contact", "0035g00000A1")
    record = golden_record(store_engine, gid)
    assert [(s.connection, s.stream, s.key) for s in record.sources] == [
        ("erp", "customers", "C001"),
        ("salesforce", "Contact", "0035g00000A1"),
        ("shop", "customers", "7001"),
    ]
    assert record.data["person"]["family_name"] == "Rossi"
    assert golden_id_of_source(store_engine, "shop", "customers", "7002") != gid
    kinds = [e[1] for e in event_rows(store_engine)]
    assert kinds == ["golden.created", "golden.created"]


def test_applying_the_same_clusters_again_writes_nothing_and_records_no_event(store_engine, mario):
    erp, crm, shop, giulia = mario
    clusters = [{erp, crm, shop}, {giulia}]
    apply_clusters(store_engine, clusters, actor="matcher")
    before, events_before = golden_state(store_engine), event_rows(store_engine)

    again = apply_clusters(store_engine, clusters, actor="matcher")

    assert (again.created, again.written, again.events) == (0, 0, 0)
    assert golden_state(store_engine) == before
    assert event_rows(store_engine) == events_before


def test_a_cluster_joining_two_records_keeps_the_bigger_ones_id_and_redirects_the_other(
    store_engine, mario
):
    erp, crm, shop, _ = mario
    apply_clusters(store_engine, [{erp, crm}, {shop}], actor="matcher")
    big = golden_id_of_source(store_engine, "erp", "customers", "C001")
    small = golden_id_of_source(store_engine, "shop", "customers", "7001")

    result = apply_clusters(store_engine, [{erp, crm, shop}], actor="matcher", run_id=None)

    assert result.redirected == 1
    assert golden_id_of_source(store_engine, "shop", "customers", "7001") == big
    assert golden_record(store_engine, small).id == big  # the old id leads to the survivor
    state = golden_state(store_engine)
    assert state["redirects"] == {small: big}
    events = [(kind, subject) for _id, kind, subject, _actor, _data in event_rows(store_engine)[2:]]
    assert sorted(events) == sorted([("golden.merged", big), ("golden.redirected", small)])


def test_a_cluster_taking_a_record_out_splits_it_and_the_bigger_part_keeps_the_id(
    store_engine, mario
):
    erp, crm, shop, _ = mario
    apply_clusters(store_engine, [{erp, crm, shop}], actor="matcher")
    gid = golden_id_of_source(store_engine, "erp", "customers", "C001")

    apply_clusters(store_engine, [{shop}], actor="matcher")

    assert golden_id_of_source(store_engine, "erp", "customers", "C001") == gid
    assert golden_id_of_source(store_engine, "salesforce", "Contact", "0035g00000A1") == gid
    split = golden_id_of_source(store_engine, "shop", "customers", "7001")
    assert split != gid
    assert (
        golden_record(store_engine, split).data["emails"][0]["value"] == "mario.rossi80@gmail.com"
    )
    kept = golden_record(store_engine, gid)
    assert all(e.get("value") != "mario.rossi80@gmail.com" for e in kept.data["emails"])
    kinds = sorted(e[1] for e in event_rows(store_engine)[1:])
    assert kinds == ["golden.created", "golden.unmerged"]


def test_clusters_are_applied_in_batches_with_the_same_outcome(store_engine, sources):
    names = ["Verdi", "Russo", "Ferrari", "Esposito", "Romano"]
    ids = [
        sources.add("shop", f"{i}", person("Luca", names[i % 5]), "2024-01-01") for i in range(40)
    ]
    clusters = [set(ids[i : i + 2]) for i in range(0, 40, 2)]

    result = apply_clusters(store_engine, clusters, actor="matcher", batch_size=7)

    assert (result.clusters, result.created) == (20, 20)
    grouping = {
        frozenset(sid for sid, _at, _via in g["xref"])
        for g in golden_state(store_engine)["live"].values()
    }
    assert grouping == {frozenset(c) for c in clusters}
    assert apply_clusters(store_engine, clusters, actor="matcher", batch_size=3).events == 0


def test_bad_clusters_are_refused_with_the_ids_named(store_engine, mario):
    erp, crm, shop, _giulia = mario
    with pytest.raises(
        InvalidClusters, match=r"cluster #1: source record\(s\) \[\d+\] are in an earlier cluster"
    ):
        apply_clusters(store_engine, [{erp, crm}, {crm, shop}], actor="matcher")
    with pytest.raises(InvalidClusters, match=r"cluster #0 is empty"):
        apply_clusters(store_engine, [set()], actor="matcher")
    with pytest.raises(
        InvalidClusters, match=r"source record id\(s\) \[999999\] are not in the store"
    ):
        apply_clusters(store_engine, [{erp}, {999999}], actor="matcher")
    assert golden_state(store_engine)["live"] == {}  # nothing of a refused batch was written


def test_a_cluster_against_a_stewards_decision_is_refused_and_left_alone(store_engine, mario):
    erp, crm, shop, giulia = mario
    with store_engine.begin() as conn:
        write_decisions(conn, [(erp, shop, "different")], "anna", "not the same Mario", utc_now())

    result = apply_clusters(store_engine, [{erp, crm, shop}, {giulia}], actor="matcher")

    assert [(sorted(r.members), r.reason) for r in result.refused] == [
        (
            sorted([erp, crm, shop]),
            f"source records {min(erp, shop)} and {max(erp, shop)} were decided different by a steward",
        )
    ]
    assert golden_id_of_source(store_engine, "erp", "customers", "C001") is None
    assert result.created == 1


def test_a_changed_source_updates_its_golden_record_on_recompute(store_engine, sources, mario):
    erp, crm, shop, giulia = mario
    apply_clusters(store_engine, [{erp, crm, shop}, {giulia}], actor="matcher")
    gid = golden_id_of_source(store_engine, "shop", "customers", "7002")
    sources.change(giulia, {**GIULIA_SHOP, "phones": ["333 1234567"]}, "2024-10-01")

    result = recompute(store_engine, [gid], actor="crmhub", run_id=None)

    assert (result.checked, result.written) == (1, 1)
    assert golden_record(store_engine, gid).data["phones"][0]["value"] == "+393331234567"
    last = event_rows(store_engine)[-1]
    assert last[1:3] == ("golden.updated", gid)
    assert last[4]["changes"]["phones"]["before"] is None
    assert recompute(store_engine, None, actor="crmhub").written == 0  # nothing else changed


def test_a_deleted_source_leaves_its_record_and_the_last_one_retires_it(
    store_engine, sources, mario
):
    erp, crm, shop, giulia = mario
    apply_clusters(store_engine, [{erp, crm, shop}, {giulia}], actor="matcher")
    mario_id = golden_id_of_source(store_engine, "erp", "customers", "C001")
    giulia_id = golden_id_of_source(store_engine, "shop", "customers", "7002")
    sources.delete(shop)
    sources.delete(giulia)

    result = recompute(store_engine, [mario_id, giulia_id], actor="crmhub")

    assert (result.written, result.retired) == (2, 1)
    mario_now = golden_record(store_engine, mario_id)
    assert not mario_now.retired
    assert all(shop not in entry["sources"] for entry in mario_now.lineage.values())
    assert shop in [s.id for s in mario_now.sources]  # the tombstone keeps its xref
    giulia_now = golden_record(store_engine, giulia_id)
    assert giulia_now.retired
    assert giulia_now.data["person"]["given_name"] == "Giulia"  # the last data is kept
    with store_engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(golden_records)).scalar_one() == 2
        )

    sources.undelete(giulia)
    back = recompute(store_engine, [giulia_id], actor="crmhub")
    assert back.restored == 1 and not golden_record(store_engine, giulia_id).retired
