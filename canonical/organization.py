"""An organization as one source system sees it: names, legal form, tax and e-invoicing ids."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

from canonical.base import CanonicalModel, context_country
from canonical.contact import EmailAddress
from canonical.fields import Text
from canonical.identifiers import Identifier, scheme_coercer
from canonical.normalise.identifier import IdScheme
from canonical.normalise.legal_form import lookup_legal_form, normalise_legal_form


class CompanySize(StrEnum):
    """EU SME size classes (employees): micro <10, small <50, medium <250, large."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


VatId = Annotated[Identifier, BeforeValidator(scheme_coercer(IdScheme.EU_VAT))]
"""A VAT number (scheme EU_VAT); a plain string is read with the source's default country."""

# Scheme of a tax code written as plain text, by the source's default country.
TAX_CODE_SCHEMES: dict[str, str] = {"IT": IdScheme.IT_CF}


def _tax_code_input(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str | int):
        scheme = TAX_CODE_SCHEMES.get(context_country(info), IdScheme.TAX_ID)
        return {"scheme": scheme, "raw": str(value)}
    return value


TaxCode = Annotated[Identifier, BeforeValidator(_tax_code_input)]
"""A national tax code: IT_CF for Italian sources, TAX_ID (unchecked) for others."""

_SDI_CODE = re.compile(r"^[A-Z0-9]{6,7}$")


def _sdi_code(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    code = value.strip().upper()
    if not _SDI_CODE.match(code):
        raise ValueError(
            f"{value!r} is not an SDI recipient code: 7 letters or digits (6 for the public "
            "administration), e.g. 0000000 or M5UXCR1"
        )
    return code


SdiCode = Annotated[str, BeforeValidator(_sdi_code)]
"""Italian e-invoicing (SDI) recipient code: 7 characters, 6 for the public administration."""


class LegalForm(CanonicalModel):
    """A company's legal form: normalised ``code`` ("SRL") and its ``label``.

    Accepts any spelling ("S.r.l.", "srl", "GmbH"); a form not in the table is kept with
    code ``OTHER`` and the text as label.
    """

    code: str
    label: str

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            row = lookup_legal_form(data, context_country(info))
            return (
                {"code": row.code, "label": row.label} if row else {"code": "OTHER", "label": data}
            )
        if isinstance(data, dict) and "code" in data and "label" not in data:
            row = lookup_legal_form(str(data["code"]), context_country(info))
            if row is None:
                raise ValueError(f"unknown legal form code {data['code']!r}: give its label too")
            return {**data, "code": row.code, "label": row.label}
        return data


class Organization(CanonicalModel):
    """What a source knows about an organization.

    When ``legal_form`` is not given it is read from the end of ``legal_name``
    ("Rossi Mario S.r.l." -> SRL); ``legal_name`` itself is kept whole.
    """

    legal_name: Text | None = None
    trade_name: Text | None = None
    legal_form: LegalForm | None = None
    vat_id: VatId | None = None
    tax_code: TaxCode | None = None
    sdi_code: SdiCode | None = None
    pec: EmailAddress | None = None
    industry: Text | None = None
    size: CompanySize | None = None
    employees: int | None = None

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if (
            isinstance(data, dict)
            and "legal_form" not in data
            and isinstance(data.get("legal_name"), str)
        ):
            found = normalise_legal_form(data["legal_name"], context_country(info))
            if found.form:
                data = {**data, "legal_form": {"code": found.form, "label": found.label}}
        return data
