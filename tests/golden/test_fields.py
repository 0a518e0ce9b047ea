"""The field catalogue covers the canonical party, and field paths are checked with a hint."""

from __future__ import annotations

import pytest

from canonical.party import Organization, Party, Person
from crmhub.golden.errors import UnknownField
from crmhub.golden.fields import (
    FIELDS,
    FieldKind,
    email_key,
    identifier_key,
    phone_key,
    resolve_field_path,
    ruled_field_path,
)

from .conftest import canonical


def test_every_field_of_the_canonical_party_has_a_survivorship_entry():
    # A field added to the model must be given its survivorship here, not silently chosen.
    expected = {name for name in Party.model_fields if name not in ("person", "organization")}
    expected |= {f"person.{name}" for name in Person.model_fields}
    expected |= {f"organization.{name}" for name in Organization.model_fields}
    assert set(FIELDS) == expected


def test_multi_valued_fields_are_unions_and_activities_are_histories():
    kinds = {path: spec.kind for path, spec in FIELDS.items()}
    assert {p for p, k in kinds.items() if k is FieldKind.UNION} == {
        "emails",
        "phones",
        "addresses",
        "web",
        "identifiers",
    }
    assert {p for p, k in kinds.items() if k is FieldKind.HISTORY} == {
        "credit",
        "interactions",
        "orders",
        "relationships",
    }
    assert kinds["consents"] is FieldKind.CONSENTS
    assert kinds["provenance"] is kinds["issues"] is FieldKind.SOURCE_ONLY


def test_aliases_resolve_to_the_list_fields():
    assert resolve_field_path("email") == "emails"
    assert resolve_field_path("phone") == "phones"
    assert resolve_field_path("person.given_name") == "person.given_name"


def test_an_unknown_field_is_named_with_the_closest_known_one():
    with pytest.raises(UnknownField) as caught:
        resolve_field_path("person.given_nam")
    assert "'person.given_nam' is not a field of the canonical party" in str(caught.value)
    assert caught.value.hint == "did you mean 'person.given_name'?"


def test_consents_and_histories_take_no_rule():
    with pytest.raises(UnknownField, match="consents follow the consent policy"):
        ruled_field_path("consent")
    with pytest.raises(UnknownField, match="orders are united from every source"):
        ruled_field_path("orders")


def test_fold_keys_make_equal_what_is_the_same_value():
    emails = canonical(
        {"person": {}, "emails": ["Mario.Rossi@Example.IT", "mario.rossi@example.it"]}
    )["emails"]
    assert email_key(emails[0]) == email_key(emails[1])
    phones = canonical(
        {"person": {}, "phones": ["02 8646 4521", "+39 02 86464521", "02 86464522"]}
    )["phones"]
    assert phone_key(phones[0]) == phone_key(phones[1]) != phone_key(phones[2])
    ids = canonical(
        {
            "person": {"given_name": "Mario"},
            "identifiers": [
                {"scheme": "SYSTEM", "system": "erp", "raw": "C001"},
                {"scheme": "SYSTEM", "system": "shop", "raw": "C001"},
            ],
        }
    )["identifiers"]
    assert identifier_key(ids[0]) != identifier_key(ids[1])  # same key, different systems
