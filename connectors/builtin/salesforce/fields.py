"""Which fields are read from each sObject, and the JSON schema of a record.

Every read carries the system fields the connector itself needs: ``Id`` (the key),
``SystemModstamp`` (the cursor), ``IsDeleted`` (tombstones, through ``queryAll``) and
``LastModifiedById`` (who wrote it last: the engine recognises the echo of its own writes).
Types come from a table of the standard fields used here; a field the table does not know
(a custom field) is declared without a type rather than with a guessed one.
"""

from __future__ import annotations

from typing import Any

SYSTEM_FIELDS: tuple[str, ...] = ("Id", "SystemModstamp", "IsDeleted", "LastModifiedById")
CURSOR_FIELD = "SystemModstamp"
KEY_FIELD = "Id"

# Fields the hub reads by default; all readable by an integration user with standard profiles.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": (
        "Name", "Phone", "Website", "BillingStreet", "BillingCity", "BillingPostalCode",
        "BillingState", "BillingCountry", "CreatedDate", "LastModifiedDate",
    ),
    "Contact": (
        "FirstName", "LastName", "Email", "Phone", "MobilePhone", "AccountId", "MailingStreet",
        "MailingCity", "MailingPostalCode", "MailingState", "MailingCountry",
        "HasOptedOutOfEmail", "CreatedDate", "LastModifiedDate",
    ),
    "Lead": (
        "FirstName", "LastName", "Company", "Email", "Phone", "MobilePhone", "Status",
        "LeadSource", "Street", "City", "PostalCode", "State", "Country", "HasOptedOutOfEmail",
        "IsConverted", "CreatedDate", "LastModifiedDate",
    ),
}  # fmt: skip

# Fields Salesforce maintains itself: never sent in a write.
READ_ONLY_FIELDS: frozenset[str] = frozenset(
    {
        "Id", "IsDeleted", "SystemModstamp", "CreatedDate", "CreatedById", "LastModifiedDate",
        "LastModifiedById", "IsConverted", "attributes",
    }
)  # fmt: skip

_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
_DATETIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
_BOOLEAN: dict[str, Any] = {"type": "boolean"}
_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "Id": {"type": "string", "minLength": 15, "maxLength": 18},
    "SystemModstamp": {"type": "string", "format": "date-time"},
    "IsDeleted": _BOOLEAN,
    "IsConverted": _BOOLEAN,
    "HasOptedOutOfEmail": _BOOLEAN,
    "CreatedDate": _DATETIME,
    "LastModifiedDate": _DATETIME,
    "Email": {"type": ["string", "null"], "format": "email"},
}
_STANDARD_STRINGS = frozenset(
    name for fields in DEFAULT_FIELDS.values() for name in fields if name not in _FIELD_SCHEMAS
) | {"LastModifiedById"}


def selected_fields(
    sobject: str, configured: list[str] | None, external_id_field: str
) -> tuple[str, ...]:
    """The fields a read of ``sobject`` selects: the system fields, the configured (or default)
    ones and the external id field, each once (SOQL names are case-insensitive)."""
    if configured is None:
        configured = list(DEFAULT_FIELDS[sobject])  # the configuration checked it has one
    chosen: dict[str, str] = {}
    for name in (*SYSTEM_FIELDS, *configured, external_id_field):
        chosen.setdefault(name.lower(), name)
    return tuple(chosen.values())


def record_schema(fields: tuple[str, ...]) -> dict[str, Any]:
    """The JSON schema of a record's ``data`` with these fields."""
    return {
        "type": "object",
        "properties": {name: _field_schema(name) for name in fields},
        "required": [KEY_FIELD, CURSOR_FIELD],
        "additionalProperties": True,
    }


def _field_schema(name: str) -> dict[str, Any]:
    if name in _FIELD_SCHEMAS:
        return dict(_FIELD_SCHEMAS[name])
    if name in _STANDARD_STRINGS:
        return dict(_NULLABLE_STRING)
    return {"description": "custom or unlisted field: its type is the org's"}
