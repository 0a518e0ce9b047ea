"""The Party model: consistency rules, strictness, time zones, hashing, contact points."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from canonical import (
    ConsentChannel,
    ConsentPurpose,
    ConsentStatus,
    CreditAssessment,
    CreditBand,
    EmailAddress,
    Gender,
    Identifier,
    IdScheme,
    Money,
    OrderSummary,
    Organization,
    Party,
    PartyKind,
    PhoneKind,
    PhoneNumber,
    PostalAddress,
    Relationship,
    Verification,
    WebHandle,
    band_for_score,
    explain,
)


def person_record(**extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "person": {
            "given_name": "MARIO",
            "family_name": "ROSSI",
            "birth_date": "10/12/1985",
            "gender": "M",
            "language": "Italiano",
            "codice_fiscale": "rss mra 85t10 a562s",
        },
        "emails": ["Mario.Rossi@Example.COM"],
        "phones": [{"raw": "347-1234567", "purpose": "personal", "primary": True}],
        "addresses": [
            {"street": "VIA ROMA 12/A", "postcode": "20121", "city": "MILANO", "province": "mi"}
        ],
        "provenance": {"system": "shop", "external_id": "42", "read_at": "2024-05-01T08:00:00"},
    }
    record.update(extra)
    return record


# --- kind / person / organization ----------------------------------------------------------------


def test_kind_is_inferred_from_person_or_organization() -> None:
    assert Party.model_validate({"person": {"given_name": "Anna"}}).kind is PartyKind.PERSON
    assert (
        Party.model_validate({"organization": {"legal_name": "Acme S.r.l."}}).kind
        is PartyKind.ORGANIZATION
    )


def test_person_kind_without_person_is_refused() -> None:
    with pytest.raises(ValidationError, match="kind is 'person' but `person` is missing"):
        Party.model_validate({"kind": "person", "display_name": "x"})


def test_person_kind_with_organization_is_refused() -> None:
    with pytest.raises(ValidationError, match="`organization` is given too"):
        Party.model_validate(
            {"kind": "person", "person": {}, "organization": {"legal_name": "Acme"}}
        )


def test_organization_kind_with_person_is_refused() -> None:
    with pytest.raises(
        ValidationError, match="kind is 'organization' but `organization` is missing"
    ):
        Party.model_validate({"kind": "organization", "person": {"given_name": "Anna"}})


def test_kind_cannot_be_inferred_from_nothing_or_both() -> None:
    with pytest.raises(ValidationError, match="kind is missing and cannot be inferred"):
        Party.model_validate({"display_name": "x"})
    with pytest.raises(ValidationError, match="kind is missing and cannot be inferred"):
        Party.model_validate({"person": {}, "organization": {}})


# --- strictness and error messages ---------------------------------------------------------------


def test_extra_field_is_rejected_naming_the_field_and_suggesting_the_right_one() -> None:
    with pytest.raises(ValidationError) as caught:
        Party.model_validate(person_record(emials=["a@b.it"]))
    assert caught.value.errors()[0]["loc"] == ("emials",)
    assert "emials: unknown field 'emials' (hint: did you mean 'emails'?)" in explain(
        caught.value, Party
    )


def test_nested_extra_field_names_its_full_path() -> None:
    record = person_record()
    record["phones"] = [{"raw": "347 1234567", "purpsoe": "work"}]
    with pytest.raises(ValidationError) as caught:
        Party.model_validate(record)
    assert "phones[0].purpsoe: unknown field 'purpsoe' (hint: did you mean 'purpose'?)" in explain(
        caught.value, Party
    )


def test_blank_value_of_a_mistyped_field_is_still_reported() -> None:
    with pytest.raises(ValidationError, match="persno"):
        Party.model_validate({"person": {}, "persno": None})


def test_bad_scalar_value_names_the_field_and_the_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        Party.model_validate({"person": {"birth_date": "31/02/1980"}})
    assert (
        "person.birth_date: '31/02/1980' is impossible: February 1980 has 29 days, not 31"
        in explain(caught.value, Party)
    )


@pytest.mark.parametrize(
    ("organization", "words"),
    [
        ({"sdi_code": "ABC"}, "not an SDI recipient code"),
        ({"vat_id": {"scheme": "IT_CF", "raw": "x"}}, "EU_VAT"),
    ],
)
def test_organization_field_checks(organization: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Organization.model_validate(organization)


# --- normalisation on validation --------------------------------------------------------------


def test_typical_person_is_normalised_on_validation() -> None:
    party = Party.model_validate(person_record())
    assert party.display_name == "Mario Rossi"
    person = party.person
    assert person is not None
    assert (
        person.given_name,
        person.family_name,
        person.birth_date,
        person.gender,
        person.language,
    ) == (
        "Mario",
        "Rossi",
        dt.date(1985, 12, 10),
        Gender.MALE,
        "it",
    )
    assert person.codice_fiscale is not None and person.codice_fiscale.value == "RSSMRA85T10A562S"
    assert person.codice_fiscale.verification is Verification.CHECKSUM
    assert (party.emails[0].value, party.emails[0].match_key) == (
        "Mario.Rossi@example.com",
        "mario.rossi@example.com",
    )
    assert (party.phones[0].value, party.phones[0].kind, party.phones[0].primary) == (
        "+393471234567",
        PhoneKind.MOBILE,
        True,
    )
    address = party.addresses[0]
    assert (
        address.street,
        address.house_number,
        address.city,
        address.province,
        address.region,
        address.country,
    ) == (
        "Via Roma",
        "12/A",
        "Milano",
        "MI",
        "Lombardia",
        "IT",
    )


def test_organization_vat_legal_form_and_pec() -> None:
    party = Party.model_validate(
        {
            "organization": {
                "legal_name": "Rossi Mario S.r.l.",
                "vat_id": "IT 007 431 101 57",
                "tax_code": "00743110157",
                "sdi_code": "m5uxcr1",
                "pec": "rossi@pec.it",
            }
        }
    )
    org = party.organization
    assert org is not None and party.display_name == "Rossi Mario S.r.l."
    assert org.legal_form is not None and (org.legal_form.code, org.legal_form.label) == (
        "SRL",
        "Società a responsabilità limitata",
    )
    assert org.vat_id is not None and (org.vat_id.scheme, org.vat_id.value, org.vat_id.country) == (
        IdScheme.EU_VAT,
        "IT00743110157",
        "IT",
    )
    assert org.tax_code is not None and org.tax_code.scheme == IdScheme.IT_CF and org.tax_code.valid
    assert org.sdi_code == "M5UXCR1"
    assert org.pec is not None and org.pec.value == "rossi@pec.it"


def test_legal_form_field_accepts_spellings_and_keeps_unknown_ones() -> None:
    assert Organization.model_validate({"legal_form": "s.p.a."}).legal_form.code == "SPA"  # type: ignore[union-attr]
    unknown = Organization.model_validate({"legal_form": "Kabushiki Kaisha"}).legal_form
    assert unknown is not None and (unknown.code, unknown.label) == ("OTHER", "Kabushiki Kaisha")


def test_source_default_country_applies_to_numbers_and_addresses() -> None:
    party = Party.from_source(
        {
            "person": {},
            "phones": ["030 1234567"],
            "addresses": [{"street": "Hauptstrasse 5", "postcode": "10115", "city": "Berlin"}],
        },
        default_country="DE",
    )
    assert party.phones[0].value == "+49301234567"
    assert party.addresses[0].country == "DE" and party.addresses[0].valid


def test_invalid_values_are_kept_with_reason_never_dropped() -> None:
    party = Party.model_validate(
        {
            "organization": {"legal_name": "Acme", "vat_id": "IT00743110158"},
            "emails": ["not-an-email"],
            "phones": ["12"],
            "addresses": [{"city": "Milano", "province": "XX"}],
            "web": ["not a url"],
            "identifiers": [{"scheme": "DUNS", "raw": "123"}],
        }
    )
    kept = [
        party.emails[0],
        party.phones[0],
        party.addresses[0],
        party.web[0],
        party.identifiers[0],
    ]
    assert [(item.raw, item.valid) for item in kept] == [
        ("not-an-email", False),
        ("12", False),
        ("Milano, XX", False),
        ("not a url", False),
        ("123", False),
    ]
    assert all(item.invalid_reason for item in kept)
    issues = {issue.field: issue for issue in party.all_issues()}
    assert set(issues) == {
        "emails[0]",
        "phones[0]",
        "addresses[0]",
        "web[0]",
        "identifiers[0]",
        "organization.vat_id",
    }
    assert issues["organization.vat_id"].raw == "IT00743110158"
    assert "check digit" in issues["organization.vat_id"].reason


def test_blank_entries_are_dropped_but_blank_fields_are_just_absent() -> None:
    party = Party.model_validate(
        {
            "person": {"given_name": "  ", "family_name": "Rossi"},
            "emails": ["", "  ", None, "a@b.it"],
            "phones": [{"raw": "", "purpose": "work"}],
            "addresses": [{"street": "", "city": None}],
            "organization": None,
        }
    )
    assert party.person is not None and party.person.given_name is None
    assert [e.value for e in party.emails] == ["a@b.it"]
    assert party.phones == [] and party.addresses == []


def test_spreadsheet_number_types_are_read_as_text() -> None:
    phone = PhoneNumber.model_validate(3471234567.0)
    assert (phone.raw, phone.value) == ("3471234567", "+393471234567")


def test_stored_form_is_not_normalised_again() -> None:
    stored = {"raw": "347 1234567", "value": "+393471234567", "valid": True, "kind": "mobile"}
    phone = PhoneNumber.model_validate(stored, context={"default_country": "DE"})
    assert phone.value == "+393471234567"


def test_compact_stored_form_validates_to_the_same_party_without_the_source_context() -> None:
    """The store keeps ``exclude_defaults`` dumps (no ``valid: true``); reading them back
    must not re-read a German number as Italian."""
    record = {
        "person": {"given_name": "Jan"},
        "phones": ["030 1234567"],
        "identifiers": [{"scheme": "EU_VAT", "raw": "136695976"}],
        "addresses": [{"street": "Hauptstrasse 5", "city": "Berlin"}],
    }
    party = Party.from_source(record, default_country="DE")
    stored = json.loads(party.model_dump_json(exclude_none=True, exclude_defaults=True))
    assert "valid" not in stored["phones"][0]
    again = Party.model_validate(stored)  # no context: the default country would be IT
    assert again == party and again.phones[0].value == "+49301234567"
    assert again.identifiers[0].value == "DE136695976"


def test_a_stored_value_is_checked_again() -> None:
    email = EmailAddress.model_validate({"raw": "Mario@Rossi.it", "value": "not an email"})
    assert (email.raw, email.valid) == ("Mario@Rossi.it", False)


def test_invalid_contact_point_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="needs its invalid_reason"):
        EmailAddress.model_validate({"raw": "x", "valid": False})


def test_identifier_scheme_system_needs_the_system_name() -> None:
    with pytest.raises(ValidationError, match="needs `system`"):
        Identifier.of("SYSTEM", "42")
    assert Identifier.of("system", "42", system="odoo").scheme == "SYSTEM"


def test_identifier_keeps_a_stronger_claimed_verification() -> None:
    registry = Identifier.of("IT_PIVA", "00743110157", verification="registry")
    assert registry.verification is Verification.REGISTRY
    failed = Identifier.of("IT_PIVA", "00743110158", verification="registry")
    assert (failed.valid, failed.verification) == (False, Verification.NONE)


def test_web_handle_with_platform() -> None:
    handle = WebHandle.model_validate({"raw": "@mario", "platform": "instagram"})
    assert (handle.value, handle.handle) == ("https://www.instagram.com/mario", "mario")


def test_postal_address_from_free_text() -> None:
    address = PostalAddress.model_validate("Via Roma 12, 20121 Milano (MI)")
    assert (address.street, address.house_number, address.city, address.province) == (
        "Via Roma",
        "12",
        "Milano",
        "MI",
    )
    assert address.lines == ["Via Roma 12, 20121 Milano (MI)"]


# --- time --------------------------------------------------------------------------------------


def test_naive_datetime_is_taken_as_utc() -> None:
    party = Party.model_validate(
        person_record(
            consents=[
                {
                    "channel": "email",
                    "purpose": "marketing",
                    "status": "opt_in",
                    "captured_at": dt.datetime(2024, 1, 1, 10),
                }
            ]
        )
    )
    assert party.consents[0].captured_at == dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)
    assert party.provenance is not None and party.provenance.read_at is not None
    assert party.provenance.read_at.tzinfo is dt.UTC


def test_aware_datetime_is_converted_to_utc() -> None:
    rome = dt.datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Rome"))
    order = OrderSummary.model_validate({"external_id": "1", "ordered_at": rome})
    assert (
        order.ordered_at == dt.datetime(2024, 7, 1, 10, tzinfo=dt.UTC)
        and order.ordered_at.tzinfo is dt.UTC
    )


def test_italian_timestamp_text_is_accepted() -> None:
    order = OrderSummary.model_validate({"external_id": "1", "ordered_at": "01/03/2024 10:30"})
    assert order.ordered_at == dt.datetime(2024, 3, 1, 10, 30, tzinfo=dt.UTC)


# --- content hash --------------------------------------------------------------------------------


def test_content_hash_is_stable_across_field_order() -> None:
    record = person_record()
    reordered = dict(reversed(list(record.items())))
    reordered["person"] = dict(reversed(list(record["person"].items())))  # type: ignore[union-attr]
    first, second = Party.model_validate(record), Party.model_validate(reordered)
    assert first.content_hash() == second.content_hash()
    assert len(first.content_hash()) == 32 and int(first.content_hash(), 16) >= 0


def test_content_hash_ignores_provenance_and_follows_content() -> None:
    base = Party.model_validate(person_record()).content_hash()
    reread = person_record(
        provenance={"system": "shop", "external_id": "42", "read_at": "2025-01-01T00:00:00"}
    )
    assert Party.model_validate(reread).content_hash() == base
    changed = person_record(emails=["other@example.com"])
    assert Party.model_validate(changed).content_hash() != base


def test_content_hash_survives_a_store_round_trip() -> None:
    party = Party.model_validate(person_record())
    stored = json.loads(party.model_dump_json())
    again = Party.model_validate(stored)
    assert again == party and again.content_hash() == party.content_hash()


def test_same_instant_in_another_zone_hashes_the_same() -> None:
    utc = person_record(
        consents=[
            {
                "channel": "email",
                "purpose": "newsletter",
                "status": "opt_in",
                "captured_at": "2024-01-01T10:00:00Z",
            }
        ]
    )
    rome = person_record(
        consents=[
            {
                "channel": "email",
                "purpose": "newsletter",
                "status": "opt_in",
                "captured_at": "2024-01-01T11:00:00+01:00",
            }
        ]
    )
    assert Party.model_validate(utc).content_hash() == Party.model_validate(rome).content_hash()


# --- display name, consent, credit, relationships --------------------------------------------------


def test_display_name_falls_back_to_email_then_external_id() -> None:
    assert Party.model_validate({"person": {}, "emails": ["x@y.it"]}).display_name == "x@y.it"
    assert (
        Party.model_validate(
            {"person": {}, "provenance": {"system": "s", "external_id": "7"}}
        ).display_name
        == "7"
    )
    with pytest.raises(ValidationError, match="display_name is missing and cannot be derived"):
        Party.model_validate({"person": {}})


def test_latest_consent_event_wins() -> None:
    party = Party.model_validate(
        person_record(
            consents=[
                {
                    "channel": "email",
                    "purpose": "marketing",
                    "status": "opt_in",
                    "captured_at": "2024-01-01T00:00:00Z",
                },
                {
                    "channel": "any",
                    "purpose": "marketing",
                    "status": "opt_out",
                    "captured_at": "2024-06-01T00:00:00Z",
                },
                {
                    "channel": "sms",
                    "purpose": "newsletter",
                    "status": "opt_in",
                    "captured_at": "2024-07-01T00:00:00Z",
                },
            ]
        )
    )
    assert (
        party.consent_status(ConsentChannel.EMAIL, ConsentPurpose.MARKETING)
        is ConsentStatus.OPT_OUT
    )
    assert (
        party.consent_status(ConsentChannel.SMS, ConsentPurpose.NEWSLETTER) is ConsentStatus.OPT_IN
    )
    assert party.consent_status(ConsentChannel.POST, ConsentPurpose.PROFILING) is None


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, CreditBand.A),
        (71, CreditBand.A),
        (70, CreditBand.B),
        (51, CreditBand.B),
        (50, CreditBand.C),
        (30, CreditBand.C),
        (29, CreditBand.D),
        (1, CreditBand.D),
        (None, CreditBand.E),
    ],
)
def test_credit_band_for_international_score(score: int | None, band: CreditBand) -> None:
    assert band_for_score(score) is band


@pytest.mark.parametrize("score", [0, 101, -5])
def test_credit_score_outside_the_scale_is_refused(score: int) -> None:
    with pytest.raises(ValueError, match="outside the international scale"):
        band_for_score(score)


def test_credit_assessment_with_money() -> None:
    assessment = CreditAssessment.model_validate(
        {
            "bureau": "creditsafe",
            "score": 82,
            "band": "A",
            "assessed_at": "2024-02-01T00:00:00Z",
            "credit_limit": {"amount": "25000.00", "currency": "eur"},
        }
    )
    assert assessment.credit_limit == Money(amount=Decimal("25000.00"), currency="EUR")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
        Money.model_validate({"amount": "1", "currency": "EURO"})


def test_order_currency_comes_from_its_total() -> None:
    order = OrderSummary.model_validate(
        {
            "external_id": "A1",
            "ordered_at": "2024-01-01T00:00:00Z",
            "status": "PAID",
            "total": {"amount": "10.50", "currency": "EUR"},
        }
    )
    assert (order.currency, order.status) == ("EUR", "paid")


def test_relationship_needs_the_other_party() -> None:
    with pytest.raises(ValidationError, match="needs other_key or other_golden_id"):
        Relationship.model_validate({"kind": "works_for", "role": "CFO"})
    assert (
        Relationship.model_validate({"kind": "works_for", "other_key": "acc-1"}).other_key
        == "acc-1"
    )


def test_json_schema_is_pydantics() -> None:
    schema = Party.json_schema()
    assert schema == Party.model_json_schema()
    assert {"kind", "person", "organization", "emails", "provenance", "issues"} <= set(
        schema["properties"]
    )
