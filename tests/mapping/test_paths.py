"""Canonical paths: types carried as ``Annotated[...]`` (VatId, TaxCode, PersonName) are walked
through like plain ones, in the forward and the reverse direction of a mapping."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from canonical import Identifier, Party
from crmhub.demo.people import fiscal_code, vat_id
from crmhub.mapping.compiler import MappingSpecError, compile_mapping
from crmhub.mapping.paths import PathError, field_type
from crmhub.mapping.spec import MappingSpec

CF = fiscal_code("Mario", "Rossi", date(1980, 1, 1), False, "F205")
VAT = vat_id(4_512_073)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("organization.vat_id", Identifier),
        ("organization.vat_id.value", str),
        ("organization.tax_code.value", str),
        ("person.codice_fiscale.value", str),
        ("person.birth_date", date),
        ("person.given_name", str),
    ],
)
def test_annotated_types_are_unwrapped(path: str, expected: type) -> None:
    assert field_type(Party, path) == (expected, False)


def test_lists_stay_lists() -> None:
    assert field_type(Party, "phones") == (field_type(Party, "phones")[0], True)


def test_unknown_field_below_an_identifier_is_refused_with_a_hint() -> None:
    with pytest.raises(PathError, match="Identifier has no field 'valu'; did you mean 'value'"):
        field_type(Party, "organization.vat_id.valu")


def _mapping(reverse: dict[str, Any]) -> Any:
    spec = MappingSpec.model_validate(
        {
            "kind": "kind",
            "fields": {
                "organization.legal_name": "name",
                "organization.vat_id": "vat",
                "person.family_name": "surname",
                "person.codice_fiscale": "cf",
            },
            "reverse": reverse,
        }
    )
    return compile_mapping(spec, Party)


def _canonical(raw: dict[str, Any]) -> dict[str, Any]:
    data, _ = _mapping({}).apply(raw)
    return Party.model_validate(data).model_dump(mode="json", exclude_none=True)


def test_reverse_mapping_writes_vat_id_and_codice_fiscale_to_the_target() -> None:
    mapping = _mapping(
        {
            "VAT__c": "organization.vat_id.value",
            "Fiscal_Code__c": "person.codice_fiscale.value",
        }
    )
    company = _canonical({"kind": "organization", "name": "Brambilla S.p.A.", "vat": VAT})
    person = _canonical({"kind": "person", "surname": "Rossi", "cf": CF.lower()})
    # the normalised identifiers, not what the source typed
    assert mapping.export(company) == {"VAT__c": f"IT{VAT}", "Fiscal_Code__c": None}
    assert mapping.export(person) == {"VAT__c": None, "Fiscal_Code__c": CF}


def test_reverse_path_to_a_missing_identifier_part_is_refused() -> None:
    with pytest.raises(MappingSpecError, match="Identifier has no field 'number'"):
        _mapping({"VAT__c": "organization.vat_id.number"})
