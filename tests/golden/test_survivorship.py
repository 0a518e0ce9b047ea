"""The golden content of Mario Rossi from three systems: multi-valued fields united and folded,
lineage for every field, and a result the canonical model accepts."""

from __future__ import annotations

from typing import Any

from canonical.party import Party
from crmhub.config.models import SurvivorshipConfig
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.sources import SourceView
from crmhub.golden.survivorship import survive

from .conftest import MARIO_ERP, MARIO_SALESFORCE, MARIO_SHOP, view

POLICY = SurvivorshipPolicy.from_config(
    SurvivorshipConfig.model_validate({"source_priority": ["erp", "salesforce", "shop"]})
)


def mario() -> list[SourceView]:
    return [
        view(11, "erp", MARIO_ERP, "2024-03-01"),
        view(12, "salesforce", MARIO_SALESFORCE, "2024-06-10"),
        view(13, "shop", MARIO_SHOP, "2024-09-01"),
    ]


def leaf_paths(data: dict[str, Any]) -> set[str]:
    """The lineage keys the data calls for: every value, every list element."""
    paths = set()
    for key, value in data.items():
        if isinstance(value, dict) and key in ("person", "organization"):
            paths |= {f"{key}.{leaf}" for leaf in value}
        elif isinstance(value, list):
            paths |= {f"{key}[{i}]" for i in range(len(value))}
        else:
            paths.add(key)
    return paths


def test_every_field_names_its_rule_and_the_sources_holding_it():
    golden = survive(mario(), POLICY)

    assert golden is not None
    assert set(golden.lineage) == leaf_paths(golden.data)
    for path, entry in golden.lineage.items():
        assert entry["rule"] in {"most_recent", "union", "consent_policy", "derived"}, path
        assert entry["value_from"] in entry["sources"], path
        assert set(entry["sources"]) <= {11, 12, 13}, path


def test_the_golden_data_is_a_valid_canonical_party():
    golden = survive(mario(), POLICY)

    assert golden is not None
    party = Party.model_validate(golden.data)
    assert party.display_name == "Mario Rossi"
    assert party.person is not None and party.person.codice_fiscale is not None


def test_emails_are_united_with_the_same_address_folded_and_tagged_with_both_sources():
    golden = survive(mario(), POLICY)

    assert golden is not None
    emails = golden.data["emails"]
    assert [e.get("value", e["raw"]) for e in emails] == [
        "mario.rossi80@gmail.com",  # the shop changed last (rule most_recent)
        "Mario.Rossi@rossiferramenta.it",  # ERP and Salesforce, written differently: one address
        "mario.rossi@@gmail",  # invalid: kept, ranked after every valid one
    ]
    assert golden.lineage["emails[1]"] == {
        "rule": "most_recent",
        "sources": [11, 12],
        "value_from": 12,
    }
    assert emails[2]["valid"] is False
    assert [e.get("primary", False) for e in emails] == [True, False, False]


def test_phones_fold_on_the_e164_number():
    golden = survive(mario(), POLICY)

    assert golden is not None
    assert [p["value"] for p in golden.data["phones"]] == ["+393475550101", "+390286464521"]
    assert golden.lineage["phones[0]"]["sources"] == [12, 13]  # "+39 347 555 0101" = "347 5550101"


def test_addresses_fold_on_their_normalised_form():
    golden = survive(mario(), POLICY)

    assert golden is not None
    assert len(golden.data["addresses"]) == 1
    assert golden.lineage["addresses[0]"]["sources"] == [11, 13]
    assert golden.data["addresses"][0]["purpose"] == "shipping"  # the shop's copy, most recent


def test_a_rule_on_a_list_field_ranks_its_values():
    by_trust = SurvivorshipPolicy.from_config(
        SurvivorshipConfig.model_validate(
            {
                "source_priority": ["erp", "salesforce", "shop"],
                "fields": {"emails": {"rule": "source_priority"}},
            }
        )
    )
    golden = survive(mario(), by_trust)

    assert golden is not None
    assert golden.data["emails"][0]["value"] == "mario.rossi@rossiferramenta.it"  # the ERP's copy
    assert golden.lineage["emails[0]"] == {
        "rule": "source_priority",
        "sources": [11, 12],
        "value_from": 11,
    }


def test_orders_are_united_without_duplicates_newest_first():
    earlier = {
        **MARIO_SHOP,
        "orders": [
            {"external_id": "#0990", "ordered_at": "2024-02-01T10:00:00Z"},
            {"external_id": "#1001", "ordered_at": "2024-08-30T10:00:00Z"},
        ],
    }
    erp_orders = {
        **MARIO_ERP,
        "orders": [{"external_id": "#1001", "ordered_at": "2024-08-30T10:00:00Z"}],
    }
    golden = survive(
        [view(1, "erp", erp_orders, "2024-03-01"), view(2, "shop", earlier, "2024-09-01")], POLICY
    )

    assert golden is not None
    assert [o["external_id"] for o in golden.data["orders"]] == ["#1001", "#0990"]
    assert golden.lineage["orders[0]"] == {"rule": "union", "sources": [1, 2], "value_from": 1}


def test_provenance_and_issues_of_sources_are_not_kept():
    with_provenance = {
        **MARIO_ERP,
        "provenance": {"system": "odoo", "external_id": "C001"},
        "issues": [{"field": "phones[1]", "raw": "n/a", "reason": "not a number"}],
    }
    golden = survive([view(1, "erp", with_provenance, "2024-03-01")], POLICY)

    assert golden is not None
    assert "provenance" not in golden.data and "issues" not in golden.data


def test_tombstones_do_not_contribute_and_no_live_source_gives_nothing():
    erp, crm, shop = mario()
    deleted = SourceView(
        shop.id, shop.connection, shop.stream, shop.key, True, shop.canonical, shop.recency
    )

    golden = survive([erp, crm, deleted], POLICY)

    assert golden is not None
    assert all(13 not in entry["sources"] for entry in golden.lineage.values())
    assert survive([deleted], POLICY) is None


def test_the_display_name_follows_the_names_that_survived_not_the_newest_source():
    # the newest source misspells the given name; source priority keeps the ERP's spelling, and
    # the display name must agree with it rather than win on its own by recency
    policy = SurvivorshipPolicy.from_config(
        SurvivorshipConfig.model_validate(
            {
                "source_priority": ["erp", "salesforce"],
                "fields": {"person.given_name": {"rule": "source_priority"}},
            }
        )
    )
    sources = [
        view(1, "erp", {"person": {"given_name": "Giulia", "family_name": "Verdi"}}, "2024-01-01"),
        view(
            2,
            "salesforce",
            {"person": {"given_name": "Giula", "family_name": "Verdi"}},
            "2024-06-01",
        ),
    ]

    golden = survive(sources, policy)

    assert golden is not None
    assert golden.data["person"]["given_name"] == "Giulia"
    assert golden.data["display_name"] == "Giulia Verdi"
    assert golden.lineage["display_name"] == {"rule": "derived", "sources": [1, 2], "value_from": 1}


def test_a_display_name_rule_from_the_configuration_is_obeyed_as_written():
    policy = SurvivorshipPolicy.from_config(
        SurvivorshipConfig.model_validate(
            {
                "source_priority": ["erp", "salesforce"],
                "fields": {"display_name": {"rule": "source_priority"}},
            }
        )
    )
    sources = [
        view(
            1,
            "erp",
            {
                "display_name": "Dott.ssa Verdi",
                "person": {"given_name": "Giulia", "family_name": "Verdi"},
            },
            "2024-01-01",
        ),
        view(
            2,
            "salesforce",
            {"person": {"given_name": "Giulia", "family_name": "Verdi"}},
            "2024-06-01",
        ),
    ]

    golden = survive(sources, policy)

    assert golden is not None and golden.data["display_name"] == "Dott.ssa Verdi"
