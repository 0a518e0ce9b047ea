"""Extraction of MatchRecords from canonical parties."""

from __future__ import annotations

import pytest

from canonical.party import Party
from crmhub.match.party import record_from_party

VALID_CF = "RSSMRA85T10A562S"


def test_person_party_becomes_a_folded_match_record() -> None:
    party = Party.model_validate(
        {
            "person": {
                "given_name": "Nicolò",
                "family_name": "D'Angelo",
                "birth_date": "03/04/1980",
                "codice_fiscale": VALID_CF,
            },
            "emails": ["Nicolo.DAngelo@Gmail.com", "not an e-mail"],
            "phones": ["06 1234 5678"],
            "addresses": [
                {
                    "street": "P.zza Garibaldi",
                    "house_number": "3",
                    "postcode": "00185",
                    "city": "Roma",
                }
            ],
            "provenance": {"system": "erp", "stream": "contacts", "external_id": "42"},
        }
    )
    record = record_from_party(party)
    assert record.id == "erp:contacts:42" and record.source == "erp"
    assert (record.kind, record.given_name, record.family_name) == ("person", "nicolo", "d angelo")
    assert record.birth_date == "19800403"
    assert record.national_id == VALID_CF.lower()
    assert record.emails == ("nicolo.dangelo@gmail.com",)  # the invalid one is left out
    assert record.phones == ("390612345678",)
    assert (record.street, record.postcode, record.city) == ("piazza garibaldi", "00185", "roma")


def test_invalid_identifiers_are_not_used() -> None:
    party = Party.model_validate(
        {
            "person": {
                "given_name": "Mario",
                "family_name": "Rossi",
                "codice_fiscale": "RSSMRA80D03H501U",
            },  # wrong check digit
        }
    )
    assert record_from_party(party, record_id="x").national_id == ""


def test_organization_party_keeps_company_key_and_vat() -> None:
    party = Party.model_validate(
        {
            "organization": {"legal_name": "Rossi Costruzioni S.r.l.", "vat_id": "IT00743110157"},
            "emails": ["info@rossi.it"],
        }
    )
    record = record_from_party(party, record_id="c1")
    assert record.kind == "organization"
    assert record.company_key == "rossi costruzioni"
    assert record.vat == "00743110157"


def test_missing_provenance_and_id_is_a_clear_error() -> None:
    party = Party.model_validate({"person": {"given_name": "Anna"}})
    with pytest.raises(ValueError, match="no provenance; pass record_id="):
        record_from_party(party)
