"""Reading golden records: redirect chains followed, lineage with named sources, clear errors."""

from __future__ import annotations

import pytest

from crmhub.golden import (
    GoldenRecordNotFound,
    apply_clusters,
    golden_id_of_source,
    golden_record,
    lineage,
    merge,
    recompute,
)
from crmhub.golden.errors import UnknownField

from .conftest import person


def test_a_chain_of_merges_leads_every_old_id_to_the_survivor(store_engine, sources):
    ids = [
        sources.add("shop", f"{i}", person("Luca", "Verdi"), f"2024-0{i + 1}-01") for i in range(3)
    ]
    apply_clusters(store_engine, [{ids[0]}, {ids[1]}, {ids[2]}], actor="matcher")
    first, second, third = (
        golden_id_of_source(store_engine, "shop", "customers", str(i)) for i in range(3)
    )
    survivor = merge(store_engine, first, second, actor="anna").survivor
    final = merge(store_engine, survivor, third, actor="anna").survivor

    for gid in (first, second, third):
        record = golden_record(store_engine, gid)
        assert (record.id, record.requested_id) == (final, gid)
        assert [s.key for s in record.sources] == ["0", "1", "2"]


def test_lineage_names_each_source_by_system_stream_and_key(store_engine, sources):
    erp = sources.add(
        "erp", "C001", person("Mario", "Rossi", emails=["mario@rossi.it"]), "2024-01-01"
    )
    shop = sources.add(
        "shop", "7001", person("Mario", "Rossi", emails=["MARIO@rossi.it"]), "2024-02-01"
    )
    apply_clusters(store_engine, [{erp, shop}], actor="matcher")
    gid = golden_id_of_source(store_engine, "erp", "customers", "C001")

    (email,) = lineage(store_engine, gid, "email")
    assert email.path == "emails[0]" and email.rule == "most_recent"
    assert [(s.connection, s.key) for s in email.sources] == [("erp", "C001"), ("shop", "7001")]
    assert (email.value_from.connection, email.value_from.key) == ("shop", "7001")
    everything = lineage(store_engine, gid)
    assert {entry.path for entry in everything} >= {
        "kind",
        "display_name",
        "person.given_name",
        "emails[0]",
    }
    with pytest.raises(UnknownField):
        lineage(store_engine, gid, "mail")


def test_unknown_ids_are_named_in_the_error(store_engine):
    with pytest.raises(GoldenRecordNotFound, match="no golden record '01ZZZ'") as caught:
        golden_record(store_engine, "01ZZZ")
    assert "golden_id_of_source" in (caught.value.hint or "")
    with pytest.raises(GoldenRecordNotFound, match="no golden record 'NOPE'"):
        recompute(store_engine, ["NOPE"], actor="crmhub")
    assert golden_id_of_source(store_engine, "erp", "customers", "nobody") is None
