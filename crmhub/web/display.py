"""How canonical values read on screen: one short text per value, one label per field.

Used by the side-by-side view (fields aligned by label) and the customer page (fields with
their lineage). The formatters are data: one per kind of list element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Getter = Callable[[dict[str, Any]], list[str]]


def text_of(value: Any) -> str:
    """A scalar, a checked value (``{"value", "raw"}``) or a labelled one, as short text."""
    if value is None:
        return ""
    if isinstance(value, dict):
        if "value" in value or "raw" in value:
            return str(value.get("value") or value.get("raw") or "")
        if "label" in value:
            return str(value["label"])
        return ", ".join(f"{k}: {text_of(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _money(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return f"{value.get('amount', '')} {value.get('currency', '')}".strip()


def _address(a: dict[str, Any]) -> str:
    street = " ".join(p for p in (a.get("street"), a.get("house_number")) if p)
    city = " ".join(p for p in (a.get("postcode"), a.get("city")) if p)
    if a.get("province"):
        city += f" ({a['province']})"
    parts = [p for p in (street, a.get("unit"), city, a.get("country")) if p]
    return ", ".join(parts) or str(a.get("raw") or " / ".join(a.get("lines", [])))


def _invalid(text: str, element: dict[str, Any]) -> str:
    return (
        f"{text} (invalid: {element.get('invalid_reason') or 'unchecked'})"
        if (element.get("valid") is False)
        else text
    )


#: How one element of each list field reads.
ELEMENT_TEXT: dict[str, Callable[[dict[str, Any]], str]] = {
    "emails": lambda e: _invalid(text_of(e), e),
    "phones": lambda e: _invalid(text_of(e), e),
    "web": lambda e: text_of(e),
    "addresses": _address,
    "identifiers": lambda e: _invalid(f"{e.get('scheme', '?')} {text_of(e)}", e),
    "consents": lambda e: (
        f"{e.get('channel')}/{e.get('purpose')}: {e.get('status')} "
        f"({str(e.get('captured_at', ''))[:10]})"
    ),
    "credit": lambda e: " ".join(
        p
        for p in (
            e.get("bureau"),
            f"band {e['band']}" if e.get("band") else "",
            f"score {e['score']}" if e.get("score") is not None else "",
            _money(e.get("credit_limit")),
            str(e.get("assessed_at", ""))[:10],
        )
        if p
    ),
    "orders": lambda e: " ".join(
        p
        for p in (
            str(e.get("ordered_at", ""))[:10],
            e.get("external_id"),
            e.get("status"),
            _money(e.get("total")),
        )
        if p
    ),
    "interactions": lambda e: " ".join(
        p
        for p in (
            str(e.get("occurred_at", ""))[:10],
            e.get("kind"),
            e.get("direction"),
            e.get("subject"),
        )
        if p
    ),
    "relationships": lambda e: " ".join(
        p
        for p in (e.get("kind"), e.get("role"), e.get("other_key") or e.get("other_golden_id"))
        if p
    ),
}


def element_text(list_field: str, element: Any) -> str:
    """How ``element`` of the list field ``list_field`` reads."""
    if not isinstance(element, dict):
        return text_of(element)
    return ELEMENT_TEXT.get(list_field, text_of)(element)


@dataclass(frozen=True, slots=True)
class AlignedField:
    """A row of the side-by-side view: the label and how to get its values from a record."""

    label: str
    get: Getter


def _at(path: str) -> Getter:
    head, _, leaf = path.partition(".")

    def get(record: dict[str, Any]) -> list[str]:
        value = (record.get(head) or {}).get(leaf) if leaf else record.get(head)
        text = text_of(value)
        return [text] if text else []

    return get


def _each(list_field: str) -> Getter:
    def get(record: dict[str, Any]) -> list[str]:
        return [element_text(list_field, e) for e in record.get(list_field) or []]

    return get


def _count(list_field: str, noun: str) -> Getter:
    def get(record: dict[str, Any]) -> list[str]:
        n = len(record.get(list_field) or [])
        return [f"{n} {noun}{'' if n == 1 else 's'}"] if n else []

    return get


#: The rows of the side-by-side view, in order; rows empty on both sides are left out.
ALIGNED_FIELDS: tuple[AlignedField, ...] = (
    AlignedField("kind", _at("kind")),
    AlignedField("name", _at("display_name")),
    AlignedField("given name", _at("person.given_name")),
    AlignedField("family name", _at("person.family_name")),
    AlignedField("birth date", _at("person.birth_date")),
    AlignedField("gender", _at("person.gender")),
    AlignedField("codice fiscale", _at("person.codice_fiscale")),
    AlignedField("legal name", _at("organization.legal_name")),
    AlignedField("trade name", _at("organization.trade_name")),
    AlignedField("legal form", _at("organization.legal_form")),
    AlignedField("VAT id", _at("organization.vat_id")),
    AlignedField("tax code", _at("organization.tax_code")),
    AlignedField("SDI code", _at("organization.sdi_code")),
    AlignedField("PEC", _at("organization.pec")),
    AlignedField("e-mails", _each("emails")),
    AlignedField("phones", _each("phones")),
    AlignedField("addresses", _each("addresses")),
    AlignedField("web", _each("web")),
    AlignedField("identifiers", _each("identifiers")),
    AlignedField("consents", _each("consents")),
    AlignedField("credit", _each("credit")),
    AlignedField("orders", _count("orders", "order")),
    AlignedField("interactions", _count("interactions", "interaction")),
    AlignedField("status", _at("status")),
)


@dataclass(frozen=True, slots=True)
class AlignedRow:
    """One field of two records side by side. ``agreement`` is "same", "different" or
    "one-sided" (only one record has a value)."""

    label: str
    left: list[str]
    right: list[str]
    agreement: str


def _folded(values: list[str]) -> set[str]:
    return {v.casefold().strip() for v in values}


def align(left: dict[str, Any], right: dict[str, Any]) -> list[AlignedRow]:
    """The two canonical records field by field (fields both lack are left out)."""
    rows = []
    for spec in ALIGNED_FIELDS:
        a, b = spec.get(left), spec.get(right)
        if not a and not b:
            continue
        if not a or not b:
            agreement = "one-sided"
        elif _folded(a) == _folded(b):
            agreement = "same"
        else:
            agreement = "different"
        rows.append(AlignedRow(spec.label, a, b, agreement))
    return rows
