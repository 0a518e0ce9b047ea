"""A Bulk API 2.0 ingest job, driven step by step over the connector's session.

create (``POST /jobs/ingest``) -> upload the CSV (``PUT .../batches``) -> close (``PATCH`` state
``UploadComplete``) -> poll the job with a growing interval until ``JobComplete``, ``Failed``
or ``Aborted`` -> download ``successfulResults``, ``failedResults`` and ``unprocessedrecords``.

The steps are the connector's own rather than simple-salesforce's ``bulk2.upsert``: that helper
raises without the job id when a job ends ``Failed`` (so the rows it did process could not be
told from the rest), polls for up to 24 hours, and splits result CSV on line breaks (which
breaks quoted values holding a newline, such as a street address). Every call still goes
through ``SalesforceSession``: throttling, retries, re-login and the rate budget apply.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import requests

from connectors.builtin.salesforce.errors import response_error
from connectors.builtin.salesforce.session import SalesforceSession
from connectors.sdk import SourceUnavailable

FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")
NULL_IN_CSV = "#N/A"  # Bulk CSV: empty leaves a field as it is, #N/A empties it
POLL_GROWTH = 1.5


@dataclass(frozen=True, slots=True)
class BulkSettings:
    """How to wait for a job: first interval, longest interval, and when to give up (seconds)."""

    poll_seconds: float
    poll_max_seconds: float
    timeout_seconds: float


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """A finished job: its id, final state and message, and the three result sets as rows."""

    job_id: str
    state: str
    error_message: str | None
    successful: list[dict[str, str]]
    failed: list[dict[str, str]]
    unprocessed: list[dict[str, str]]


def csv_value(value: Any) -> str:
    """A field value as Bulk 2.0 reads it from CSV."""
    if value is None or value == "":
        return NULL_IN_CSV
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def csv_document(external_id_field: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """The upload CSV: the external id column first, then every field any row carries.

    ``rows`` are (external id value, fields). A field a row does not carry is left empty, which
    Bulk 2.0 reads as "leave it as it is"; a None or empty value becomes ``#N/A`` (empty it).
    """
    columns: dict[str, None] = {external_id_field: None}
    for _, fields in rows:
        columns.update(dict.fromkeys(fields))
    header = list(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for value, fields in rows:
        writer.writerow([value, *(csv_value(fields[c]) if c in fields else "" for c in header[1:])])
    return out.getvalue()


class BulkIngest:
    """Runs Bulk 2.0 upsert jobs on one org."""

    def __init__(
        self,
        session: SalesforceSession,
        data_url: str,
        settings: BulkSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.jobs_url = f"{data_url}jobs/ingest"
        self.settings = settings
        self._sleep = sleep
        self._clock = clock

    def upsert(self, sobject: str, external_id_field: str, csv_text: str) -> BulkOutcome:
        """Run one upsert job for ``csv_text`` and collect its results."""
        job_id = self._create(sobject, external_id_field)
        try:
            self._call(
                "PUT",
                f"{job_id}/batches",
                (201,),
                f"uploading job {job_id}",
                data=csv_text.encode("utf-8"),
                headers={"Content-Type": "text/csv"},
            )
            self._call(
                "PATCH", job_id, (200,), f"closing job {job_id}", json={"state": "UploadComplete"}
            )
            info = self._wait(job_id)
        except Exception:
            self._abort_quietly(job_id)
            raise
        return BulkOutcome(
            job_id,
            str(info.get("state")),
            info.get("errorMessage"),
            *(self._results(job_id, kind) for kind in RESULT_KINDS),
        )

    # -- the steps -------------------------------------------------------------------------------

    def _create(self, sobject: str, external_id_field: str) -> str:
        body = {
            "object": sobject,
            "operation": "upsert",
            "externalIdFieldName": external_id_field,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        answer = self._call(
            "POST", "", (200, 201), f"creating a Bulk 2.0 job for {sobject}", json=body
        )
        return str(answer.json()["id"])

    def _wait(self, job_id: str) -> dict[str, Any]:
        deadline = self._clock() + self.settings.timeout_seconds
        interval = self.settings.poll_seconds
        while True:
            self._sleep(interval)
            info: dict[str, Any] = self._call("GET", job_id, (200,), f"polling job {job_id}").json()
            if info.get("state") in FINAL_STATES:
                return info
            if self._clock() + interval > deadline:
                raise SourceUnavailable(
                    f"Bulk 2.0 job {job_id} is still {info.get('state')} after "
                    f"{self.settings.timeout_seconds:.0f}s",
                    hint="the org is busy: its records are retried on the next run; or raise "
                    "bulk_timeout_seconds",
                )
            interval = min(self.settings.poll_max_seconds, interval * POLL_GROWTH)

    def _results(self, job_id: str, kind: str) -> list[dict[str, str]]:
        answer = self._call(
            "GET",
            f"{job_id}/{kind}",
            (200,),
            f"reading {kind} of job {job_id}",
            headers={"Accept": "text/csv"},
        )
        return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))

    def _abort_quietly(self, job_id: str) -> None:
        """Abort a job we will not finish; a failure here must not hide the original one."""
        try:
            self.session.request("PATCH", f"{self.jobs_url}/{job_id}", json={"state": "Aborted"})
        except Exception:  # noqa: BLE001 - best effort only
            return

    def _call(
        self, method: str, path: str, ok: tuple[int, ...], doing: str, **kwargs: Any
    ) -> requests.Response:
        url = f"{self.jobs_url}/{path}" if path else self.jobs_url
        response = self.session.request(method, url, **kwargs)
        if response.status_code not in ok:
            raise response_error(response, doing)
        return response
