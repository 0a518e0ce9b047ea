"""Bulk API 2.0 ingest jobs of the fake: state, processing, result sets.

A closed job (``UploadComplete``) answers ``InProgress`` to its first polls and is processed
when its ``polls_left`` run out; its result sets are then shuffled, because Salesforce does not
return results in the order of the upload. A ``process_limit`` stops a job after that many rows:
the rest are ``unprocessedrecords`` and the job ends ``Failed``.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from typing import Any

from connectors.testing.fake_salesforce.errors import ApiError, MultipleMatches, RecordError
from connectors.testing.fake_salesforce.org import Org, csv_values
from connectors.testing.fake_salesforce.schema import SObjectSpec

FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass(slots=True)
class IngestJob:
    """A Bulk 2.0 ingest job and, once processed, its per-row outcomes."""

    id: str
    sobject: str
    external_id_field: str
    user: str
    version: str
    state: str = "Open"
    csv_parts: list[str] = field(default_factory=list)
    polls_left: int = 0
    columns: list[str] = field(default_factory=list)
    successful: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unprocessed: list[dict[str, str]] = field(default_factory=list)
    error_message: str | None = None

    def info(self) -> dict[str, Any]:
        """The job-info answer."""
        return {
            "id": self.id,
            "operation": "upsert",
            "object": self.sobject,
            "createdById": self.user,
            "state": self.state,
            "externalIdFieldName": self.external_id_field,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "jobType": "V2Ingest",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": len(self.successful) + len(self.failed),
            "numberRecordsFailed": len(self.failed),
            "errorMessage": self.error_message,
        }

    def results_csv(self, kind: str) -> str:
        """``successfulresults``, ``failedresults`` or ``unprocessedrecords`` (any case) as CSV."""
        kind = kind.lower()
        if kind == "successfulresults":
            return _csv_text(["sf__Id", "sf__Created", *self.columns], self.successful)
        if kind == "failedresults":
            return _csv_text(["sf__Id", "sf__Error", *self.columns], self.failed)
        return _csv_text(self.columns, self.unprocessed)


def process_job(
    job: IngestJob, org: Org, spec: SObjectSpec, process_limit: int | None, rng: random.Random
) -> None:
    """Apply the job's rows to the org and settle its final state."""
    rows: list[dict[str, str]] = []
    for part in job.csv_parts:
        reader = csv.DictReader(io.StringIO(part))
        job.columns = job.columns or list(reader.fieldnames or [])
        rows.extend(reader)
    unknown = [c for c in job.columns if spec.field(c) is None]
    if unknown or job.external_id_field not in job.columns:
        job.state = "Failed"
        job.error_message = (
            f"InvalidBatch : Field name not found : {unknown[0]}"
            if unknown
            else f"InvalidBatch : the external id column {job.external_id_field} is missing"
        )
        job.unprocessed = rows
        return
    limit = len(rows) if process_limit is None else process_limit
    for row in rows[:limit]:
        _process_row(job, org, spec, row)
    job.unprocessed = rows[limit:]
    rng.shuffle(job.successful)
    rng.shuffle(job.failed)
    if job.unprocessed:
        job.state = "Failed"
        job.error_message = "the job stopped before processing every row (process limit)"
    else:
        job.state = "JobComplete"


def _process_row(job: IngestJob, org: Org, spec: SObjectSpec, row: dict[str, str]) -> None:
    field_name = job.external_id_field
    value = row.get(field_name, "")
    try:
        if not value:
            raise RecordError("MISSING_ARGUMENT", f"{field_name} not specified", [field_name])
        values = csv_values(spec, {k: v for k, v in row.items() if k != field_name})
        record_id, created = org.upsert(spec.name, field_name, value, values, job.user)
    except MultipleMatches as many:
        error = RecordError(
            "DUPLICATE_EXTERNAL_ID",
            f"more than one record found for external id field: [{', '.join(many.ids)}]",
            [field_name],
        )
        job.failed.append({"sf__Id": "", "sf__Error": error.as_bulk_error(), **row})
    except ApiError as refused:
        error = RecordError(refused.code, refused.message, refused.fields)
        job.failed.append({"sf__Id": "", "sf__Error": error.as_bulk_error(), **row})
    except RecordError as error:
        job.failed.append({"sf__Id": "", "sf__Error": error.as_bulk_error(), **row})
    else:
        job.successful.append({"sf__Id": record_id, "sf__Created": str(created).lower(), **row})


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
