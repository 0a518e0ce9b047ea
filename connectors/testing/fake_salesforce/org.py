"""The fake org's data: records, external-id indexes, validation, upserts.

Not thread-safe by itself: ``FakeSalesforce`` holds its lock around every use. Times are the
org's clock (``now``), moved on by the test helpers, so tests decide which records share a
SystemModstamp second.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.testing.fake_salesforce.errors import ApiError, MultipleMatches, RecordError
from connectors.testing.fake_salesforce.schema import (
    DEFAULTS_ON_CREATE,
    FIRST_SECOND,
    STANDARD_OBJECTS,
    FieldSpec,
    SObjectSpec,
    format_datetime,
    parse_datetime,
    salesforce_id,
)
from connectors.testing.fake_salesforce.soql import SoqlQuery


@dataclass(frozen=True, slots=True)
class ValidationRule:
    """A rule of the org: records of ``sobject`` for which ``rejects`` holds fail to save."""

    sobject: str
    rejects: Callable[[Mapping[str, Any]], bool]
    message: str
    fields: tuple[str, ...] = ()


class Org:
    """The records of each sObject, with indexes on the external id fields."""

    def __init__(self, objects: Mapping[str, SObjectSpec] = STANDARD_OBJECTS) -> None:
        self.objects = dict(objects)
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in objects}
        self.now = FIRST_SECOND
        self.rules: list[ValidationRule] = []
        self._serial = itertools.count(1)
        self._ext_index: dict[tuple[str, str], dict[str, set[str]]] = {}

    def catch_up(self, now: datetime) -> None:
        """Move the clock on to ``now`` (whole seconds); never back."""
        self.now = max(self.now, now.replace(microsecond=0))

    def to_state(self) -> dict[str, Any]:
        """The data as JSON-able values (``from_state`` reads it back; rules are not kept)."""
        serial = next(self._serial)
        self._serial = itertools.count(serial)
        records = {
            name: [render(r, r.keys()) for r in sorted(rows.values(), key=lambda r: r["Id"])]
            for name, rows in self.records.items()
        }
        return {"now": format_datetime(self.now), "next_serial": serial, "records": records}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], objects: Mapping[str, SObjectSpec] = STANDARD_OBJECTS
    ) -> Org:
        """An org holding the data ``to_state`` gave (records of unknown sObjects refused)."""
        org = cls(objects)
        org.now = parse_datetime(state["now"])
        org._serial = itertools.count(int(state["next_serial"]))
        for name, rows in state["records"].items():
            spec = org.spec(name)
            dates = [f.name for f in spec.fields if f.kind == "datetime"]
            for row in rows:
                record = {f.name: None for f in spec.fields} | dict(row)
                record.update({k: parse_datetime(record[k]) for k in dates if record[k]})
                org.records[name][record["Id"]] = record
                if not record["IsDeleted"]:
                    org._index(spec, record)
        return org

    def spec(self, sobject: str) -> SObjectSpec:
        """The sObject spec; 404 NOT_FOUND for an unknown name, as in a REST URL."""
        found = self.objects.get(sobject)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist ({sobject})")
        return found

    # -- reading -------------------------------------------------------------------------------

    def select(self, query: SoqlQuery, include_deleted: bool) -> list[dict[str, Any]]:
        """The records ``query`` selects, ordered and limited, with all their fields."""
        rows = [
            r
            for r in self.records[query.sobject.name].values()
            if (include_deleted or not r["IsDeleted"]) and query.matches(r)
        ]
        if query.order_by:
            rows.sort(key=lambda r: tuple(_sort_value(r.get(f)) for f in query.order_by))
        return rows[: query.limit] if query.limit is not None else rows

    def matches(self, sobject: str, ext_field: str, value: str) -> list[str]:
        """Ids of live records whose ``ext_field`` equals ``value``."""
        return sorted(self._ext_index.get((sobject, ext_field), {}).get(value, ()))

    # -- writing -------------------------------------------------------------------------------

    def insert(self, sobject: str, values: Mapping[str, Any], user: str) -> str:
        """Create a record (no external-id matching); its Id."""
        spec = self.spec(sobject)
        record: dict[str, Any] = {f.name: None for f in spec.fields}
        record.update({k: v for k, v in DEFAULTS_ON_CREATE.items() if k in record})
        record.update(
            Id=salesforce_id(spec.key_prefix, next(self._serial)),
            IsDeleted=False,
            CreatedDate=self.now,
            CreatedById=user,
        )
        self._check_unique(spec, None, values)
        record.update(values)
        self._check_record(spec, record)
        self._stamp(record, user)
        self.records[sobject][record["Id"]] = record
        self._index(spec, record)
        return str(record["Id"])

    def update(self, sobject: str, record_id: str, values: Mapping[str, Any], user: str) -> None:
        """Change a live record."""
        spec = self.spec(sobject)
        record = self.records[sobject][record_id]
        self._check_unique(spec, record_id, values)
        merged = {**record, **values}
        self._check_record(spec, merged)
        self._unindex(spec, record)
        record.update(values)
        self._stamp(record, user)
        self._index(spec, record)

    def upsert(
        self, sobject: str, ext_field: str, value: str, values: Mapping[str, Any], user: str
    ) -> tuple[str, bool]:
        """Upsert by external id: (Id, created). ``MultipleMatches`` when several records match."""
        found = self.matches(sobject, ext_field, value)
        if len(found) > 1:
            raise MultipleMatches(found)
        if found:
            self.update(sobject, found[0], values, user)
            return found[0], False
        return self.insert(sobject, {**values, ext_field: value}, user), True

    def delete(self, sobject: str, record_id: str, user: str) -> None:
        """Move a record to the recycle bin: ``IsDeleted`` true, seen by ``queryAll`` only."""
        spec = self.spec(sobject)
        record = self.records[sobject][record_id]
        self._unindex(spec, record)
        record["IsDeleted"] = True
        self._stamp(record, user)

    def snapshot(self) -> tuple[Any, ...]:
        """A deep copy of the data, for ``restore`` (an allOrNone request that failed)."""
        return copy.deepcopy((self.records, self._ext_index))

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        """Put back the data of a ``snapshot``."""
        self.records, self._ext_index = snapshot

    def _stamp(self, record: dict[str, Any], user: str) -> None:
        record.update(LastModifiedDate=self.now, SystemModstamp=self.now, LastModifiedById=user)

    def _check_record(self, spec: SObjectSpec, record: Mapping[str, Any]) -> None:
        missing = [name for name in spec.required if record.get(name) in (None, "")]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        email = record.get("Email")
        if email and "@" not in str(email):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {email}", ["Email"]
            )
        for rule in self.rules:
            if rule.sobject == spec.name and rule.rejects(record):
                raise RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, rule.fields)

    def _check_unique(
        self, spec: SObjectSpec, record_id: str | None, values: Mapping[str, Any]
    ) -> None:
        for f in spec.fields:
            if f.unique and values.get(f.name) not in (None, ""):
                others = set(self.matches(spec.name, f.name, values[f.name])) - {record_id}
                if others:
                    raise RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: "
                        f"{min(others)}",
                        [f.name],
                    )

    def _index(self, spec: SObjectSpec, record: Mapping[str, Any]) -> None:
        for f in spec.fields:
            if f.external_id and record.get(f.name) not in (None, ""):
                by_value = self._ext_index.setdefault((spec.name, f.name), {})
                by_value.setdefault(record[f.name], set()).add(record["Id"])

    def _unindex(self, spec: SObjectSpec, record: Mapping[str, Any]) -> None:
        for f in spec.fields:
            if f.external_id and record.get(f.name) not in (None, ""):
                self._ext_index.get((spec.name, f.name), {}).get(record[f.name], set()).discard(
                    record["Id"]
                )


def _sort_value(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)  # nulls first, as Salesforce sorts them


def json_values(spec: SObjectSpec, body: Mapping[str, Any]) -> dict[str, Any]:
    """Field values from a JSON record (``attributes`` dropped); refuses unknown/read-only fields."""
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name == "attributes":
            continue
        field_spec = _writable_field(spec, name)
        if field_spec.kind == "boolean" and not isinstance(value, bool):
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of boolean from {type(value).__name__} value "
                f"for field {field_spec.name}",
            )
        values[field_spec.name] = value if value is None or isinstance(value, bool) else str(value)
    return values


def csv_values(spec: SObjectSpec, row: Mapping[str, str]) -> dict[str, Any]:
    """Field values from a bulk CSV row: ``""`` leaves a field alone, ``#N/A`` empties it."""
    values: dict[str, Any] = {}
    for name, text in row.items():
        if text == "":
            continue
        field_spec = _writable_field(spec, name)
        if text == "#N/A":
            values[field_spec.name] = None
        elif field_spec.kind == "boolean":
            if text.lower() not in ("true", "false", "1", "0"):
                raise RecordError(
                    "INVALID_FIELD", f"{field_spec.name}: not a boolean: {text}", [field_spec.name]
                )
            values[field_spec.name] = text.lower() in ("true", "1")
        else:
            values[field_spec.name] = text
    return values


def _writable_field(spec: SObjectSpec, name: str) -> FieldSpec:
    field_spec = spec.field(name)
    if field_spec is None:
        raise ApiError(
            400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {spec.name}", [name]
        )
    if not field_spec.writable:
        raise RecordError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {field_spec.name}. Please check the security "
            "settings of this field and verify that it is read/write for your profile or "
            "permission set.",
            [field_spec.name],
        )
    return field_spec


def render(record: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``fields`` of ``record`` in JSON form (datetimes as Salesforce writes them)."""
    return {
        name: format_datetime(value) if isinstance(value, datetime) else value
        for name, value in ((f, record.get(f)) for f in fields)
    }
