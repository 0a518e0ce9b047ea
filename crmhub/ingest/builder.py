"""From a source record to what the store keeps: mapped, validated, normalised and hashed.

This is the CPU-heavy part of an ingest, and it is a pure function of (record, mapping), so it
can run in worker processes (see ``crmhub.ingest.mapper``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors.sdk import SourceRecord
from crmhub.ingest.writer import NewVersion, Rejected
from crmhub.mapping.compiler import CompiledMapping, RecordMappingError


def _validation_reasons(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _refused_issues(party: Any, reject_invalid: list[str]) -> str | None:
    """The mapping's ``reject_invalid`` policy: invalid values at these paths refuse the record."""
    if not reject_invalid:
        return None
    refused = [
        f"{issue.field}: {issue.reason} (raw {issue.raw!r})"
        for issue in party.all_issues()
        if any(issue.field == path or issue.field.startswith(path + "[") for path in reject_invalid)
    ]
    return "; ".join(refused) + " (the mapping's reject_invalid policy)" if refused else None


def build_version(record: SourceRecord, mapping: CompiledMapping, raw_hash: str) -> NewVersion | Rejected:
    """Map and validate one record; a failure becomes a ``Rejected`` with every reason found."""
    from canonical import Party

    try:
        mapped, updated_at = mapping.apply(record.data)
    except RecordMappingError as exc:
        return Rejected(record.key, record.data, "map", str(exc), record.position)
    try:
        party = Party.model_validate(mapped, context={"default_country": mapping.spec.defaults.country.upper()})
    except ValidationError as exc:
        return Rejected(record.key, record.data, "validate", _validation_reasons(exc), record.position)
    refused = _refused_issues(party, mapping.spec.reject_invalid)
    if refused:
        return Rejected(record.key, record.data, "validate", refused, record.position)
    canonical, content_hash = party.canonical_dump()  # one serialisation for both
    return NewVersion(
        key=record.key,
        raw=record.data,
        raw_hash=raw_hash,
        canonical=canonical,
        content_hash=content_hash,
        party_kind=str(party.kind),
        display_name=party.display_name,
        source_updated_at=datetime.fromisoformat(updated_at) if updated_at else None,
    )
