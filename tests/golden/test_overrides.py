"""Steward overrides: pinned values beat every rule, survive recomputes and reruns, show in
the lineage with the actor, and follow merges (and their undo)."""

from __future__ import annotations

import pytest

from crmhub.golden import (
    InvalidOverride,
    apply_clusters,
    clear_override,
    golden_id_of_source,
    golden_record,
    lineage,
    merge,
    recompute,
    set_override,
    undo,
)

from .conftest import MARIO_ERP, MARIO_SALESFORCE, MARIO_SHOP, event_rows


@pytest.fixture
def mario(store_engine, sources):
    erp = sources.add("erp", "C001", MARIO_ERP, "2024-03-01")
    crm = sources.add("salesforce", "0035g00000A1", MARIO_SALESFORCE, "2024-06-10")
    shop = sources.add("shop", "7001", MARIO_SHOP, "2024-09-01")
    apply_clusters(store_engine, [{erp, crm}, {shop}], actor="matcher")
    return (
        golden_id_of_source(store_engine, "erp", "customers", "C001"),
        golden_id_of_source(store_engine, "shop", "customers", "7001"),
        (erp, crm, shop),
    )


def test_a_pinned_value_wins_and_the_lineage_names_the_steward(store_engine, mario):
    gid, _, _ = mario
    assert (
        golden_record(store_engine, gid).data["person"]["birth_date"] == "1980-01-10"
    )  # Salesforce, newer

    event_id = set_override(
        store_engine,
        gid,
        "person.birth_date",
        "01/01/1980",
        actor="anna",
        why="seen on the identity card",
    )

    record = golden_record(store_engine, gid)
    assert record.data["person"]["birth_date"] == "1980-01-01"  # normalised from the Italian form
    (entry,) = lineage(store_engine, gid, "person.birth_date")
    assert (entry.rule, entry.details["actor"], entry.details["reason"], entry.sources) == (
        "steward_override",
        "anna",
        "seen on the identity card",
        (),
    )
    event = event_rows(store_engine)[-1]
    assert (event[0], event[1], event[3]) == (event_id, "golden.override_set", "anna")
    assert event[4]["changes"]["person.birth_date"] == {
        "before": "1980-01-10",
        "after": "1980-01-01",
    }


def test_a_pin_survives_recomputes_source_changes_and_cluster_reruns(store_engine, sources, mario):
    gid, _, (erp, crm, _shop) = mario
    set_override(store_engine, gid, "person.birth_date", "1980-01-01", actor="anna")
    sources.change(
        crm,
        {
            **MARIO_SALESFORCE,
            "person": {"given_name": "Mario", "family_name": "Rossi", "birth_date": "1981-05-05"},
        },
        "2024-12-01",
    )

    recompute(store_engine, [gid], actor="crmhub")
    apply_clusters(store_engine, [{erp, crm}], actor="matcher")
    recompute(store_engine, None, actor="crmhub")

    assert golden_record(store_engine, gid).data["person"]["birth_date"] == "1980-01-01"


def test_clearing_a_pin_gives_the_field_back_to_its_rule(store_engine, mario):
    gid, _, _ = mario
    set_override(store_engine, gid, "person.birth_date", "1980-01-01", actor="anna")

    clear_override(store_engine, gid, "person.birth_date", actor="anna", why="wrong card")

    assert golden_record(store_engine, gid).data["person"]["birth_date"] == "1980-01-10"
    assert golden_record(store_engine, gid).lineage["person.birth_date"]["rule"] == "most_recent"
    assert event_rows(store_engine)[-1][1] == "golden.override_cleared"
    with pytest.raises(InvalidOverride, match="has no override of person.birth_date"):
        clear_override(store_engine, gid, "person.birth_date", actor="anna")


def test_a_list_can_be_pinned_and_pinned_empty(store_engine, mario):
    gid, _, _ = mario
    set_override(store_engine, gid, "phone", ["+39 02 8646 4521"], actor="anna")
    set_override(
        store_engine, gid, "person.codice_fiscale", None, actor="anna", why="belongs to his father"
    )

    record = golden_record(store_engine, gid)
    assert [p["value"] for p in record.data["phones"]] == ["+390286464521"]
    assert record.lineage["phones[0]"]["rule"] == "steward_override"
    assert "codice_fiscale" not in record.data["person"]
    assert record.lineage["person.codice_fiscale"]["rule"] == "steward_override"


def test_invalid_values_and_fields_are_refused_with_the_reason(store_engine, mario):
    gid, _, _ = mario
    with pytest.raises(
        InvalidOverride,
        match=r"value '31/02/1980' for person.birth_date is not valid: person.birth_date",
    ):
        set_override(store_engine, gid, "person.birth_date", "31/02/1980", actor="anna")
    with pytest.raises(InvalidOverride, match="cannot pin 'consents'"):
        set_override(store_engine, gid, "consents", [], actor="anna")
    with pytest.raises(InvalidOverride, match="did you mean 'person.family_name'"):
        set_override(store_engine, gid, "person.familyname", "Rossi", actor="anna")


def test_pins_of_a_merged_away_record_apply_to_the_survivor_until_the_merge_is_undone(
    store_engine, mario
):
    gid, shop_gid, _ = mario
    set_override(store_engine, shop_gid, "display_name", "Mario Rossi (Ferramenta)", actor="anna")
    set_override(store_engine, gid, "person.given_name", "Mario Luigi", actor="bruno")
    set_override(store_engine, shop_gid, "person.given_name", "Marietto", actor="anna")

    merged = merge(store_engine, gid, shop_gid, actor="anna")
    survivor = golden_record(store_engine, merged.survivor)
    assert survivor.data["display_name"] == "Mario Rossi (Ferramenta)"  # lent by the merged record
    assert survivor.data["person"]["given_name"] == "Mario Luigi"  # its own pin wins
    assert survivor.lineage["display_name"]["pinned_on"] == shop_gid

    undo(store_engine, merged.event_id, actor="anna")
    # its own pinned given name again, and the display name follows it
    assert golden_record(store_engine, gid).data["display_name"] == "Mario Luigi Rossi"
    assert golden_record(store_engine, shop_gid).data["display_name"] == "Mario Rossi (Ferramenta)"
