"""Salvaging a record with bad values, and describing validation errors."""

import time

import pytest
from pydantic import ValidationError
from stdnum import luhn

from canonical import FieldProblem, Party, describe, field_path, salvage_party


def test_field_path_renders_list_indexes() -> None:
    assert field_path(("emails", 0, "raw")) == "emails[0].raw"
    assert field_path(()) == ""


def test_describe_gives_path_message_input_and_hint() -> None:
    with pytest.raises(ValidationError) as caught:
        Party.model_validate({"person": {"gender": "boh", "givn_name": "x"}})
    problems = {p.path: p for p in describe(caught.value, Party)}
    assert problems["person.gender"] == FieldProblem(
        "person.gender",
        "'boh' is not a known gender (expected one of female, male, other, unknown)",
        "boh",
    )
    assert problems["person.givn_name"].hint == "did you mean 'given_name'?"


def test_hint_lists_the_fields_when_nothing_is_close() -> None:
    with pytest.raises(ValidationError) as caught:
        Party.model_validate({"person": {"zzz": 1}})
    (problem,) = describe(caught.value, Party)
    assert problem.hint is not None and problem.hint.startswith("Person fields are: given_name")


def test_bad_values_become_issues_and_good_ones_stay() -> None:
    party = salvage_party(
        {
            "person": {"given_name": "Mario", "birth_date": "31/02/1980", "gender": "boh"},
            "emails": ["mario@rossi.it"],
            "consents": [
                {
                    "channel": "email",
                    "purpose": "marketing",
                    "status": "opt_in",
                    "captured_at": "never",
                },
                {
                    "channel": "sms",
                    "purpose": "marketing",
                    "status": "opt_out",
                    "captured_at": "2024-01-01T00:00:00Z",
                },
            ],
        }
    )
    assert (
        party.person is not None
        and party.person.given_name == "Mario"
        and party.person.birth_date is None
    )
    assert [e.value for e in party.emails] == ["mario@rossi.it"]
    assert [c.channel.value for c in party.consents] == ["sms"]
    issues = {i.field: i for i in party.issues}
    assert issues["person.birth_date"].raw == "31/02/1980"
    assert "February 1980 has 29 days" in issues["person.birth_date"].reason
    assert issues["person.gender"].raw == "boh"
    assert issues["consents[0].captured_at"].raw == "never"
    assert "required field 'captured_at' is missing" in issues["consents[0]"].reason


def test_salvage_leaves_the_input_untouched_and_valid_input_unchanged() -> None:
    record = {"person": {"birth_date": "31/02/1980", "given_name": "Anna"}}
    salvage_party(record)
    assert record == {"person": {"birth_date": "31/02/1980", "given_name": "Anna"}}
    clean = {"person": {"given_name": "Anna"}}
    assert salvage_party(clean) == Party.model_validate(clean)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"person": {}, "emials": ["a@b.it"]}, "emials"),  # a mapping typo is a bug, not data
        ({"kind": "person", "organization": {"legal_name": "Acme"}}, "person` is missing"),
    ],
)
def test_mapping_mistakes_are_not_salvaged(record: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        salvage_party(record)


def test_building_typical_parties_stays_fast() -> None:
    """A guard against accidental slow paths (an uncached look-up per record, ...): the
    measured cost is ~40 us per record with repeated values and ~100-150 us with all
    values distinct; this allows a generous 1 ms per distinct record."""
    records = []
    for i in range(1000):
        body = f"{i + 1:07d}001"
        records.append(
            {
                "organization": {
                    "legal_name": f"Impresa {i} S.r.l.",
                    "vat_id": "IT" + body + luhn.calc_check_digit(body),
                },
                "emails": [f"info{i}@impresa{i}.it"],
                "phones": [f"02 {1000000 + i}"],
                "addresses": [
                    {
                        "street": f"Via Roma {i % 300 + 1}",
                        "postcode": "20121",
                        "city": "MILANO",
                        "province": "MI",
                    }
                ],
            }
        )
    Party.model_validate(records[0])  # warm-up: imports, tables, compiled patterns
    start = time.process_time()
    parties = [Party.model_validate(r) for r in records[1:]]
    per_record = (time.process_time() - start) / len(parties)
    assert all(
        p.organization and p.organization.vat_id and p.organization.vat_id.valid for p in parties
    )
    assert per_record < 1e-3, f"{per_record * 1e6:.0f} us per record"
