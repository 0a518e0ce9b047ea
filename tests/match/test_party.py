"""Extraction of MatchRecords from canonical parties."""

from __future__ import annotations

from typing import Any

import pytest

from canonical.party import Party
from crmhub.match.party import MatchRecordInvalid, match_record, record_from_dump, record_from_party
from crmhub.match.record import MatchRecord

from .population import build, party_source

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


# --- Stored canonical JSON read as a dict (the match job's path) ------------------------------

PROVENANCE = {"system": "erp", "stream": "contacts", "external_id": "7"}
REVOKED = {"valid": False, "invalid_reason": "revoked"}
ADDRESS_MILANO = {
    "street": "Via Roma",
    "house_number": "1",
    "postcode": "20121",
    "city": "Milano",
    "province": "MI",
}
VARIED_SOURCES: list[dict[str, Any]] = [
    {
        "person": {
            "given_name": "Maria",
            "middle_names": "Grazia",
            "family_name": "Rossi",
            "birth_date": "1985-12-10",
            "codice_fiscale": VALID_CF,
        },
        "emails": ["not an e-mail", {"raw": "MG.Rossi@Gmail.com", "primary": True}, "a@b.it"],
        "phones": ["347 123 4567", "12", "+39 02 1234 5678"],
        "addresses": [
            {"street": "Via Verdi", "house_number": "2", "postcode": "00185", "city": "Roma"},
            {**ADDRESS_MILANO, "primary": True},
        ],
        "provenance": PROVENANCE,
    },
    {"person": {"middle_names": "Luigi", "family_name": "Bianchi"}},  # middle name only
    {"person": {"given_name": "Anna"}, "emails": ["anna@example.com"]},  # little else
    {"person": {"family_name": "Verdi", "codice_fiscale": "RSSMRA80D03H501U"}},  # bad CF
    {  # values marked invalid (kept as given: they carry ``valid``)
        "person": {
            "given_name": "Luca",
            "family_name": "Neri",
            "codice_fiscale": {**REVOKED, "scheme": "IT_CF", "raw": VALID_CF, "value": VALID_CF},
        },
        "addresses": [
            {"lines": ["somewhere"], **REVOKED},
            {"city": "Torino", "region": "Piemonte"},  # region, no province
            {**ADDRESS_MILANO, "primary": True, **REVOKED},
        ],
        "emails": [{"raw": "luca@neri.it", "value": "luca@neri.it", **REVOKED}],
        "phones": [{"raw": "+393471234567", "value": "+393471234567", **REVOKED}],
    },
    {
        "organization": {
            "legal_name": "Rossi Costruzioni S.r.l.",
            "vat_id": "IT00743110157",
            "tax_code": "00743110157",
            "pec": "rossi@pec.it",
        },
        "emails": ["info@rossi.it", "rossi@pec.it"],
        "addresses": [{"lines": ["Via Roma 1, 20121 Milano (MI)"]}],
        "provenance": {"system": "crm", "external_id": "C1"},
    },
    {
        "organization": {
            "trade_name": "Bar Sport",
            "vat_id": "46161728749",
            "tax_code": {
                **REVOKED,
                "scheme": "IT_CF",
                "raw": "00743110157",
                "value": "00743110157",
            },
            "pec": {**REVOKED, "raw": "bar@pec.it", "value": "bar@pec.it"},
        },
        "phones": ["06 1234 5678"],
    },  # trade name only, invalid VAT, tax code and PEC
    {"organization": {"legal_name": "Verdi SpA", "tax_code": "XX"}, "addresses": [ADDRESS_MILANO]},
    {"organization": {"pec": "solo@pec.it"}, "display_name": "Solo PEC"},  # no name at all
]


def record_by_party_attributes(party: Party, record_id: str) -> MatchRecord:
    """The extraction as it read a validated Party before the dict path: an independent
    reference for the rules (valid values only, main address, PEC, middle names)."""

    def value(point: Any) -> str | None:
        return point.value if point.valid and point.value else None

    def identifier(ident: Any) -> str | None:
        return ident.value if ident is not None and ident.valid else None

    usable = [a for a in party.addresses if a.valid]
    address = ([a for a in usable if a.primary] or usable or [None])[0]
    values: dict[str, Any] = {
        "source": party.provenance.system if party.provenance else "",
        "emails": [value(e) for e in party.emails],
        "phones": [value(p) for p in party.phones],
        "street": address.street if address else None,
        "house_number": address.house_number if address else None,
        "postcode": address.postcode if address else None,
        "city": address.city if address else None,
        "region": (address.province or address.region) if address else None,
    }
    if (person := party.person) is not None:
        values.update(
            given_name=" ".join(n for n in (person.given_name, person.middle_names) if n),
            family_name=person.family_name,
            birth_date=person.birth_date.isoformat() if person.birth_date else None,
            national_id=identifier(person.codice_fiscale),
        )
    if (org := party.organization) is not None:
        values.update(
            company_name=org.legal_name or org.trade_name,
            vat=identifier(org.vat_id),
            national_id=identifier(org.tax_code),
        )
        if org.pec is not None:
            values["emails"] = [*values["emails"], value(org.pec)]
    return MatchRecord.from_values(record_id, party.kind.value, **values)


def varied_parties() -> list[Party]:
    """The hand-written parties above plus every record of the seeded test population."""
    sources = [*VARIED_SOURCES, *(party_source(values) for values in build().values.values())]
    return [Party.from_source(source) for source in sources]


def test_stored_dump_gives_the_record_of_the_validated_party() -> None:
    parties = varied_parties()
    kinds = {p.kind for p in parties}
    assert len(parties) > 100 and len(kinds) == 2
    for party in parties:
        stored, _ = party.canonical_dump()  # what the store holds (defaults left out)
        expected = record_by_party_attributes(Party.model_validate(stored), "7")
        assert record_from_dump(stored, "7") == expected, stored
        assert match_record(7, stored) == expected
        assert record_from_party(party, "7") == expected


def test_the_varied_parties_exercise_every_rule() -> None:
    """Guards the differential test above against parties too plain to tell rules apart."""
    records = [match_record(7, p.canonical_dump()[0]) for p in varied_parties()[:9]]
    maria, luigi, _, verdi, luca, rossi, bar, verdi_spa, solo = records
    assert (maria.given_name, maria.birth_date, maria.national_id) == (
        "maria grazia",
        "19851210",
        VALID_CF.lower(),
    )
    assert (maria.city, maria.region, maria.source) == ("milano", "mi", "erp")  # primary wins
    assert maria.emails == ("mg.rossi@gmail.com", "a@b.it") and len(maria.phones) == 2
    assert luigi.given_name == "luigi" and verdi.national_id == ""
    assert (luca.city, luca.region, luca.street) == ("torino", "piemonte", "")
    assert (luca.emails, luca.phones, luca.national_id) == ((), (), "")
    assert rossi.emails == ("info@rossi.it", "rossi@pec.it") and rossi.vat == "00743110157"
    assert rossi.national_id == "00743110157" and rossi.company_key == "rossi costruzioni"
    assert (bar.company_name, bar.vat, bar.national_id, bar.emails) == ("bar sport", "", "", ())
    assert verdi_spa.national_id == "" and verdi_spa.city == "milano"
    assert (solo.company_name, solo.emails) == ("", ("solo@pec.it",))


def test_stored_json_in_source_shape_is_validated_first() -> None:
    """Not a dump (plain-string e-mails, a birth date to normalise): read as a Party."""
    source = {
        "person": {"given_name": "Nicolò", "birth_date": "03/04/1980"},
        "emails": ["Nicolo@Example.com"],
    }
    expected = record_from_party(Party.model_validate(source), "3")
    assert match_record(3, source) == expected
    assert (expected.birth_date, expected.emails) == ("19800403", ("nicolo@example.com",))


@pytest.mark.parametrize(
    "stored",
    [
        {"kind": "person"},  # no person
        {"kind": "robot", "person": {}},
        {"kind": "person", "person": {}, "organization": {}},
        {"kind": "person", "person": {"birth_date": "someday"}},
        {"kind": "person", "person": {"family_name": 42}},
        {"kind": "person", "person": {}, "emails": "a@b.it"},
        {"kind": "person", "person": {}, "emails": [["a@b.it"]]},
        {"kind": "organization", "organization": {"vat_id": ["IT00743110157"]}},
        {"kind": "person", "person": {}, "provenance": {"external_id": "1"}},  # no system
        {"kind": "person", "person": {}, "addresses": "Via Roma 1"},
        ["kind", "person"],
    ],
)
def test_malformed_stored_json_is_a_clear_error(stored: Any) -> None:
    with pytest.raises(MatchRecordInvalid, match=r"^source record 42: .* not a valid Party") as e:
        match_record(42, stored)
    assert "crmhub sync CONNECTION --full" in (e.value.hint or "")
