"""Each survivorship rule on small realistic cases: Mario Rossi and Ferramenta Rossi as the
ERP, Salesforce and the web shop know them."""

from __future__ import annotations

import itertools

from crmhub.config.models import SurvivorshipConfig
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.survivorship import survive

from .conftest import view

PRIORITY = ["erp", "salesforce", "shop"]


def policy(rule: str | None = None, field: str | None = None, **fields: dict) -> SurvivorshipPolicy:
    spec: dict = {
        "default_rule": "most_recent",
        "source_priority": PRIORITY,
        "fields": dict(fields),
    }
    if rule and field:
        spec["fields"][field] = {"rule": rule}
    return SurvivorshipPolicy.from_config(SurvivorshipConfig.model_validate(spec))


def test_source_priority_takes_the_most_trusted_system():
    erp = view(
        1, "erp", {"person": {"given_name": "Mario", "birth_date": "01/01/1980"}}, "2024-03-01"
    )
    crm = view(
        2,
        "salesforce",
        {"person": {"given_name": "Mario", "birth_date": "1980-01-10"}},
        "2024-06-10",
    )

    golden = survive([erp, crm], policy("source_priority", "person.birth_date"))

    assert golden is not None
    assert golden.data["person"]["birth_date"] == "1980-01-01"
    assert golden.lineage["person.birth_date"] == {
        "rule": "source_priority",
        "sources": [1],
        "value_from": 1,
    }


def test_source_priority_per_field_overrides_the_global_list():
    erp = view(
        1, "erp", {"person": {"given_name": "Mario", "birth_date": "01/01/1980"}}, "2024-03-01"
    )
    crm = view(
        2,
        "salesforce",
        {"person": {"given_name": "Mario", "birth_date": "1980-01-10"}},
        "2024-01-01",
    )
    rules = policy(**{"person.birth_date": {"rule": "source_priority", "sources": ["salesforce"]}})

    golden = survive([erp, crm], rules)

    assert golden is not None
    assert golden.data["person"]["birth_date"] == "1980-01-10"


def test_a_connection_missing_from_the_priority_list_comes_after_the_listed_ones():
    legacy = view(
        1, "legacy_crm", {"person": {"given_name": "Mario", "family_name": "Rossi"}}, "2025-01-01"
    )
    shop = view(
        2, "shop", {"person": {"given_name": "Mario", "family_name": "Rossi Bianchi"}}, "2020-01-01"
    )

    golden = survive([legacy, shop], policy("source_priority", "person.family_name"))

    assert golden is not None
    assert golden.data["person"]["family_name"] == "Rossi Bianchi"


def test_most_recent_takes_the_system_that_changed_last_and_unknown_time_is_oldest():
    # Giulia married and Salesforce was told first.
    erp = view(
        1, "erp", {"person": {"given_name": "Giulia", "family_name": "Bianchi"}}, "2023-05-01"
    )
    crm = view(
        2,
        "salesforce",
        {"person": {"given_name": "Giulia", "family_name": "Bianchi Verdi"}},
        "2024-02-14",
    )
    csv = view(3, "erp", {"person": {"given_name": "Giulia", "family_name": "Bianchi"}}, None)

    golden = survive([erp, csv, crm], policy())

    assert golden is not None
    assert golden.data["person"]["family_name"] == "Bianchi Verdi"
    assert golden.lineage["person.family_name"] == {
        "rule": "most_recent",
        "sources": [2],
        "value_from": 2,
    }
    # Both holders of "Giulia" are named; the value is taken from the most recent of them.
    assert golden.lineage["person.given_name"] == {
        "rule": "most_recent",
        "sources": [1, 2, 3],
        "value_from": 2,
    }


def test_most_complete_takes_the_fullest_value():
    erp = view(1, "erp", {"organization": {"legal_name": "Ferramenta Rossi"}}, "2024-06-01")
    crm = view(
        2,
        "salesforce",
        {"organization": {"legal_name": "Ferramenta Rossi di Mario Rossi & C. S.n.c."}},
        "2022-01-01",
    )

    golden = survive([erp, crm], policy("most_complete", "organization.legal_name"))

    assert golden is not None
    assert (
        golden.data["organization"]["legal_name"] == "Ferramenta Rossi di Mario Rossi & C. S.n.c."
    )
    assert golden.lineage["organization.legal_name"]["value_from"] == 2


def test_most_frequent_takes_the_value_most_systems_agree_on():
    # Salesforce has a typo, and is the most recent: two systems out of three say "Mario".
    erp = view(1, "erp", {"person": {"given_name": "Mario"}}, "2024-01-01")
    crm = view(2, "salesforce", {"person": {"given_name": "Marco"}}, "2024-09-01")
    shop = view(3, "shop", {"person": {"given_name": "MARIO"}}, "2024-03-01")

    golden = survive([erp, crm, shop], policy("most_frequent", "person.given_name"))

    assert golden is not None
    assert golden.data["person"]["given_name"] == "Mario"
    # Holders are the ERP and the shop; the exact value comes from the ERP (first in priority).
    assert golden.lineage["person.given_name"] == {
        "rule": "most_frequent",
        "sources": [1, 3],
        "value_from": 1,
    }


def test_validated_first_prefers_a_registry_check_to_a_checksum():
    erp = view(
        1,
        "erp",
        {"organization": {"legal_name": "Ferramenta Rossi", "vat_id": "IT00743110157"}},
        "2024-09-01",
    )
    crm = view(
        2,
        "salesforce",
        {
            "organization": {
                "legal_name": "Ferramenta Rossi",
                "vat_id": {"raw": "IT02116280963", "verification": "registry"},
            }
        },
        "2023-01-01",
    )

    golden = survive([erp, crm], policy("validated_first", "organization.vat_id"))

    assert golden is not None
    assert golden.data["organization"]["vat_id"]["value"] == "IT02116280963"
    assert golden.lineage["organization.vat_id"]["rule"] == "validated_first"


def test_a_valid_value_beats_an_invalid_one_whatever_the_rule():
    erp = view(
        1,
        "erp",
        {"organization": {"legal_name": "Ferramenta Rossi", "vat_id": "IT00743110157"}},
        "2023-01-01",
    )
    shop = view(
        2,
        "shop",
        {"organization": {"legal_name": "Ferramenta Rossi", "vat_id": "IT00743110158"}},
        "2024-09-01",
    )  # newer, but the check digit is wrong

    golden = survive([erp, shop], policy())

    assert golden is not None
    assert golden.data["organization"]["vat_id"]["value"] == "IT00743110157"


def test_an_invalid_value_is_kept_when_no_source_has_a_valid_one():
    shop = view(
        2,
        "shop",
        {"organization": {"legal_name": "Ferramenta Rossi", "vat_id": "IT00743110158"}},
        "2024-09-01",
    )

    golden = survive([shop], policy())

    assert golden is not None
    vat = golden.data["organization"]["vat_id"]
    assert (vat["raw"], vat["valid"]) == ("IT00743110158", False)
    assert "check digit" in vat["invalid_reason"]


def test_ties_are_broken_by_priority_then_recency_then_source_identity():
    same_time = "2024-05-05"
    erp = view(
        1, "erp", {"person": {"given_name": "Mario", "family_name": "Rossi"}}, same_time, key="B"
    )
    shop_b = view(
        2, "shop", {"person": {"given_name": "Mario", "family_name": "Russo"}}, same_time, key="B"
    )
    shop_a = view(
        3, "shop", {"person": {"given_name": "Mario", "family_name": "Rosi"}}, same_time, key="A"
    )

    by_priority = survive([erp, shop_b, shop_a], policy())
    by_identity = survive([shop_b, shop_a], policy())

    assert by_priority is not None and by_identity is not None
    assert (
        by_priority.data["person"]["family_name"] == "Rossi"
    )  # same time: the ERP is trusted most
    assert (
        by_identity.data["person"]["family_name"] == "Rosi"
    )  # same system and time: key "A" < "B"


def test_the_outcome_does_not_depend_on_the_order_of_the_sources():
    records = [
        view(
            1,
            "erp",
            {
                "person": {"given_name": "Mario", "family_name": "Rossi"},
                "emails": ["mario.rossi@rossiferramenta.it"],
                "phones": ["02 8646 4521"],
            },
            "2024-01-01",
        ),
        view(
            2,
            "salesforce",
            {
                "person": {"given_name": "Mario", "family_name": "Rossi"},
                "emails": ["m.rossi@rossiferramenta.it"],
                "phones": ["+39 02 86464521"],
            },
            "2024-01-01",
        ),
        view(
            3,
            "shop",
            {
                "person": {"given_name": "Mario", "family_name": "Rossi"},
                "emails": ["mario.rossi80@gmail.com"],
            },
            "2024-01-01",
        ),
    ]
    for rule in ("most_recent", "most_frequent", "most_complete", "source_priority"):
        outcomes = {
            repr(survive(list(order), policy(rule, "emails")))
            for order in itertools.permutations(records)
        }
        assert len(outcomes) == 1, rule


def test_the_kind_is_chosen_like_a_field_and_takes_its_nested_object_along():
    lead = view(
        1, "shop", {"person": {"given_name": "Mario", "family_name": "Rossi"}}, "2023-01-01"
    )
    company = view(
        2, "erp", {"organization": {"legal_name": "Ferramenta Rossi S.n.c."}}, "2024-01-01"
    )
    crm = view(
        3, "salesforce", {"organization": {"legal_name": "Ferramenta Rossi S.n.c."}}, "2022-01-01"
    )

    golden = survive([lead, company, crm], policy("most_frequent", "kind"))

    assert golden is not None
    assert golden.kind == "organization"
    assert "person" not in golden.data
    assert golden.data["organization"]["legal_name"] == "Ferramenta Rossi S.n.c."
    assert golden.lineage["kind"] == {"rule": "most_frequent", "sources": [2, 3], "value_from": 2}
