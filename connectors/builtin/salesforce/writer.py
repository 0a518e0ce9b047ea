"""Writing to one sObject: upserts by the hub's stable id (``__key__``) in the external id field.

Up to ``bulk_threshold`` records go out in sObject-collection upserts of ``batch_size`` (at most
200, ``allOrNone`` false, one result per record in order); a batch of one record whose id can
travel in a URL path uses the single-record upsert. Above the threshold the records go to
Bulk 2.0 ingest jobs of ``bulk_job_size`` and their results, which come in no particular order,
are matched back to the records by external id.

Every record gets exactly one ``WriteResult``, in input order. A record Salesforce refuses is
FAILED with the reason and whether retrying may help (``record_errors``); a batch that could not
be sent after the session's retries fails its records as retryable; a refused session or a
spent daily allowance stops the write (no other record could pass either).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceMoreThanOneRecord

from connectors.builtin.salesforce.api import SalesforceApi
from connectors.builtin.salesforce.bulk import BulkIngest, BulkOutcome, csv_document
from connectors.builtin.salesforce.errors import error_code, salesforce_said, translated
from connectors.builtin.salesforce.fields import READ_ONLY_FIELDS
from connectors.builtin.salesforce.record_errors import (
    MULTIPLE_MATCHES,
    failure,
    parse_bulk_error,
    record_failure,
)
from connectors.sdk import (
    AuthError,
    ConnectorError,
    SourceUnavailable,
    WriteOutcome,
    WriteResult,
)
from connectors.sdk.http.errors import RateBudgetExhausted

KEY = "__key__"

# What the failure of a whole batch means for its records: None = stop the write (raise),
# True/False = each record FAILED with that retryable flag. First matching class wins.
BATCH_FAILURES: tuple[tuple[type[ConnectorError], bool | None], ...] = (
    (RateBudgetExhausted, None),  # the org's daily allowance is nearly spent
    (AuthError, None),  # the session or the user's permissions are refused
    (SourceUnavailable, True),  # still throttled or failing after the session's retries
    (ConnectorError, False),  # the request was refused as wrong: the same request would be too
)
# A Bulk 2.0 job that failed with one of these messages failed on its input, not on the org.
_BAD_INPUT_JOB_ERRORS = ("InvalidBatch",)


@dataclass(frozen=True, slots=True)
class Upsert:
    """A record ready to send: the hub's key (the external id value) and the fields to write."""

    key: str
    fields: dict[str, Any]


def prepare(record: dict[str, Any], external_id_field: str) -> Upsert | WriteResult:
    """The ``Upsert`` for a record handed to ``write``, or its FAILED result when it has no
    usable key. Engine fields (``__*``) and fields Salesforce maintains itself are left out."""
    key = record.get(KEY)
    if not isinstance(key, str) or not key.strip():
        return failure(
            str(key or ""), f"the record has no {KEY} (the hub's stable id)", retryable=False
        )
    lowered = external_id_field.lower()
    fields: dict[str, Any] = {}
    for name, value in record.items():
        if name.startswith("__") or name in READ_ONLY_FIELDS:
            continue
        if name.lower() == lowered:
            if value not in (None, key):
                return failure(
                    key,
                    f"the record carries {external_id_field}={value!r}, but its key is {key!r}",
                    retryable=False,
                )
            continue
        fields[name] = value
    return Upsert(key, fields)


def fits_in_path(value: str) -> bool:
    """True when an external id value can travel in a URL path. A '.' cannot: a '.' or '..'
    segment is resolved away, and a suffix like '.json' or '.xml' selects Salesforce's answer
    format (its documentation warns of 404s). Such values go in a request body instead."""
    return "." not in value


def _batched(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ObjectWriter:
    """Upserts records into one sObject of one org."""

    def __init__(
        self,
        api: SalesforceApi,
        bulk: BulkIngest,
        sobject: str,
        external_id_field: str,
        *,
        batch_size: int,
        bulk_threshold: int,
        bulk_job_size: int,
    ) -> None:
        self.api = api
        self.bulk = bulk
        self.sobject = sobject
        self.external_id_field = external_id_field
        self.batch_size = batch_size
        self.bulk_threshold = bulk_threshold
        self.bulk_job_size = bulk_job_size

    def write(self, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        """One result per record, in order (see the module docstring for the paths taken)."""
        remaining = iter(records)
        head = list(islice(remaining, self.bulk_threshold + 1))
        if len(head) <= self.bulk_threshold:
            for chunk in _batched(head, self.batch_size):
                yield from self._write_chunk(chunk, self._send_collection)
            return
        for chunk in _batched(chain(head, remaining), self.bulk_job_size):
            yield from self._write_chunk(chunk, self._send_bulk)

    def _write_chunk(
        self, chunk: list[dict[str, Any]], send: Callable[[list[Upsert]], list[WriteResult]]
    ) -> Iterator[WriteResult]:
        prepared = [prepare(record, self.external_id_field) for record in chunk]
        upserts = [p for p in prepared if isinstance(p, Upsert)]
        sent = iter(self._guarded(upserts, send) if upserts else [])
        for item in prepared:
            yield item if isinstance(item, WriteResult) else next(sent)

    def _guarded(
        self, upserts: list[Upsert], send: Callable[[list[Upsert]], list[WriteResult]]
    ) -> list[WriteResult]:
        doing = f"upserting {len(upserts)} {self.sobject} record(s) by {self.external_id_field}"
        try:
            with translated(doing):
                results = send(upserts)
        except ConnectorError as error:
            retryable = next(flag for cls, flag in BATCH_FAILURES if isinstance(error, cls))
            if retryable is None:
                raise
            return [failure(u.key, str(error), retryable=retryable) for u in upserts]
        if len(results) != len(upserts):
            reason = (
                f"{doing}: Salesforce answered {len(results)} results for {len(upserts)} records"
            )
            return [failure(u.key, reason, retryable=True) for u in upserts]
        return results

    # -- REST: one record, or a collection of up to 200 ------------------------------------------

    def _send_collection(self, upserts: list[Upsert]) -> list[WriteResult]:
        if len(upserts) == 1 and fits_in_path(upserts[0].key):
            return [self._send_one(upserts[0])]
        body = [
            {"attributes": {"type": self.sobject}, self.external_id_field: u.key, **u.fields}
            for u in upserts
        ]
        answers = self.api.upsert_collection(self.sobject, self.external_id_field, body)
        return [_collection_result(u.key, answer) for u, answer in zip(upserts, answers)]

    def _send_one(self, upsert: Upsert) -> WriteResult:
        try:
            response = self.api.upsert_one(
                self.sobject, self.external_id_field, upsert.key, upsert.fields
            )
        except SalesforceMoreThanOneRecord as many:
            return failure(
                upsert.key, f"{MULTIPLE_MATCHES}: {_record_ids(many.content)}", retryable=False
            )
        except SalesforceMalformedRequest as refused:
            code = error_code(refused.content) or "MALFORMED_REQUEST"
            return record_failure(upsert.key, code, salesforce_said(refused.content))
        if response.status_code == 201 or (response.status_code == 200 and _created(response)):
            return WriteResult(upsert.key, WriteOutcome.CREATED, external_id=_answer_id(response))
        return WriteResult(upsert.key, WriteOutcome.UPDATED, external_id=_answer_id(response))

    # -- Bulk 2.0 ------------------------------------------------------------------------------

    def _send_bulk(self, upserts: list[Upsert]) -> list[WriteResult]:
        document = csv_document(self.external_id_field, [(u.key, u.fields) for u in upserts])
        outcome = self.bulk.upsert(self.sobject, self.external_id_field, document)
        return self._bulk_results(outcome, upserts)

    def _bulk_results(self, outcome: BulkOutcome, upserts: list[Upsert]) -> list[WriteResult]:
        field = self.external_id_field
        found: dict[str, deque[WriteResult]] = {}
        for row in outcome.successful:
            created = row.get("sf__Created", "").lower() == "true"
            outcome_kind = WriteOutcome.CREATED if created else WriteOutcome.UPDATED
            found.setdefault(row.get(field, ""), deque()).append(
                WriteResult(row.get(field, ""), outcome_kind, external_id=row.get("sf__Id") or None)
            )
        for row in outcome.failed:
            code, message = parse_bulk_error(row.get("sf__Error", ""))
            found.setdefault(row.get(field, ""), deque()).append(
                record_failure(row.get(field, ""), code, message)
            )
        ended = f"Bulk 2.0 job {outcome.job_id} ended {outcome.state}" + (
            f": {outcome.error_message}" if outcome.error_message else ""
        )
        bad_input = any((outcome.error_message or "").startswith(p) for p in _BAD_INPUT_JOB_ERRORS)
        for row in outcome.unprocessed:
            found.setdefault(row.get(field, ""), deque()).append(
                failure(row.get(field, ""), f"not processed: {ended}", retryable=not bad_input)
            )
        return [
            found[u.key].popleft()
            if found.get(u.key)
            else failure(u.key, f"no result for this record: {ended}", retryable=True)
            for u in upserts
        ]


def _collection_result(key: str, answer: dict[str, Any]) -> WriteResult:
    if answer.get("success"):
        kind = WriteOutcome.CREATED if answer.get("created") else WriteOutcome.UPDATED
        return WriteResult(key, kind, external_id=answer.get("id"))
    errors = answer.get("errors") or [{}]
    code = str(errors[0].get("statusCode") or "UNKNOWN_EXCEPTION")
    message = "; ".join(str(e.get("message", "")) for e in errors)
    return record_failure(key, code, message)


def _record_ids(content: Any) -> str:
    """The Ids in a 300 answer (a list of record URLs)."""
    if isinstance(content, list):
        return ", ".join(str(url).rstrip("/").rsplit("/", 1)[-1] for url in content)
    return salesforce_said(content)


def _created(response: Any) -> bool:
    try:
        return bool(response.json().get("created"))
    except (ValueError, AttributeError):
        return False


def _answer_id(response: Any) -> str | None:
    if not response.content:
        return None
    try:
        found = response.json().get("id")
    except (ValueError, AttributeError):
        return None
    return str(found) if found else None
