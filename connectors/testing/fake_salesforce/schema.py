"""The fake org's sObjects and fields, its Ids and its timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

FIRST_SECOND = datetime(2026, 1, 1, tzinfo=UTC)
INTEGRATION_USER_ID = "0055g00000CrmHubAAA"
OTHER_USER_ID = "0055g00000HumanUAAA"
ORG_ID = "00D5g00000FakeOrgAA"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits)).rjust(width, "0")


def case_safe_id(id15: str) -> str:
    """The 18-character form of a 15-character Id: three checksum characters, one per group of
    five, whose bits mark the upper-case letters of the group."""
    suffix = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM_CHARS[bits]
    return id15 + suffix


def salesforce_id(prefix: str, number: int) -> str:
    """An 18-character Salesforce Id: key prefix, pod, counter, and the case-safe checksum.

    Ids made from increasing ``number`` sort (as strings) in creation order, as Salesforce's do.
    """
    return case_safe_id(f"{prefix}5g0{_base62(number, 9)}")


def format_datetime(value: datetime) -> str:
    """Salesforce's JSON form of a datetime: ``2026-01-01T00:00:00.000+0000``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def parse_datetime(text: str) -> datetime:
    """A datetime in Salesforce's JSON form (``format_datetime``) read back."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


FieldKind = Literal["id", "string", "email", "boolean", "datetime", "reference"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an sObject as the fake knows it."""

    name: str
    kind: FieldKind = "string"
    writable: bool = True
    required: bool = False
    external_id: bool = False
    unique: bool = False


@dataclass(frozen=True, slots=True)
class SObjectSpec:
    """An sObject: its key prefix and fields (looked up case-insensitively, as SOQL does)."""

    name: str
    key_prefix: str
    fields: tuple[FieldSpec, ...]
    by_lower: dict[str, FieldSpec] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_lower.update({f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name`` (any case), or None."""
        return self.by_lower.get(name.lower())

    @property
    def required(self) -> list[str]:
        """Fields a saved record must have a value in."""
        return [f.name for f in self.fields if f.required]


_SYSTEM_FIELDS = (
    FieldSpec("Id", "id", writable=False),
    FieldSpec("IsDeleted", "boolean", writable=False),
    FieldSpec("CreatedDate", "datetime", writable=False),
    FieldSpec("CreatedById", "reference", writable=False),
    FieldSpec("LastModifiedDate", "datetime", writable=False),
    FieldSpec("LastModifiedById", "reference", writable=False),
    FieldSpec("SystemModstamp", "datetime", writable=False),
)
# Crmhub_Id__c is External ID + Unique (what the hub upserts by); Legacy_Id__c is External ID
# only, so several records may share a value (an upsert by it can match more than one).
_EXTERNAL_IDS = (
    FieldSpec("Crmhub_Id__c", external_id=True, unique=True),
    FieldSpec("Legacy_Id__c", external_id=True, unique=False),
)


def _strings(*names: str) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(n) for n in names)


STANDARD_OBJECTS: dict[str, SObjectSpec] = {
    spec.name: spec
    for spec in (
        SObjectSpec(
            "Account",
            "001",
            (
                *_SYSTEM_FIELDS,
                FieldSpec("Name", required=True),
                *_strings("Phone", "Website", "BillingStreet", "BillingCity"),
                *_strings("BillingPostalCode", "BillingState", "BillingCountry"),
                *_EXTERNAL_IDS,
            ),
        ),
        SObjectSpec(
            "Contact",
            "003",
            (
                *_SYSTEM_FIELDS,
                FieldSpec("FirstName"),
                FieldSpec("LastName", required=True),
                FieldSpec("Email", "email"),
                *_strings("Phone", "MobilePhone", "MailingStreet", "MailingCity"),
                *_strings("MailingPostalCode", "MailingState", "MailingCountry"),
                FieldSpec("AccountId", "reference"),
                FieldSpec("HasOptedOutOfEmail", "boolean"),
                *_EXTERNAL_IDS,
            ),
        ),
        SObjectSpec(
            "Lead",
            "00Q",
            (
                *_SYSTEM_FIELDS,
                FieldSpec("FirstName"),
                FieldSpec("LastName", required=True),
                FieldSpec("Company", required=True),
                FieldSpec("Email", "email"),
                *_strings("Phone", "MobilePhone", "Status", "LeadSource", "Street", "City"),
                *_strings("PostalCode", "State", "Country"),
                FieldSpec("HasOptedOutOfEmail", "boolean"),
                FieldSpec("IsConverted", "boolean", writable=False),
                *_EXTERNAL_IDS,
            ),
        ),
    )
}

DEFAULTS_ON_CREATE: dict[str, Any] = {"HasOptedOutOfEmail": False, "IsConverted": False}


def default_values(sobject: str, n: int) -> dict[str, Any]:
    """Plausible fields for the ``n``-th seeded record of ``sobject``."""
    number = f"{n + 1:05d}"
    if sobject == "Account":
        return {"Name": f"Azienda {number} S.r.l.", "BillingCity": "Milano", "BillingCountry": "IT"}
    person = {
        "FirstName": "Giulia",
        "LastName": f"Rossi {number}",
        "Email": f"giulia.rossi.{number}@example.it",
        "Phone": f"+39 02 {n:07d}",
    }
    if sobject == "Lead":
        return {**person, "Company": f"Impresa {number}", "Status": "Open - Not Contacted"}
    return person
