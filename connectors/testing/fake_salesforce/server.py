"""``FakeSalesforce``: the fake org served over HTTP on loopback (see the package docstring)."""

from __future__ import annotations

import itertools
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import unquote

from connectors.testing.fake_salesforce.bulk import IngestJob, process_job
from connectors.testing.fake_salesforce.errors import (
    ApiError,
    MultipleMatches,
    RecordError,
    error_body,
    malformed,
)
from connectors.testing.fake_salesforce.org import Org, ValidationRule, json_values, render
from connectors.testing.fake_salesforce.schema import (
    INTEGRATION_USER_ID,
    OTHER_USER_ID,
    FieldSpec,
    SObjectSpec,
    default_values,
    salesforce_id,
)
from connectors.testing.fake_salesforce.sessions import Sessions
from connectors.testing.fake_salesforce.soql import parse_soql
from connectors.testing.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    empty_response,
    json_response,
    text_response,
)

COMPOSITE_LIMIT = 200
MAX_QUERY_BATCH = 2000
MIN_QUERY_BATCH = 200
SUPPORTED_VERSIONS = (31.0, 66.0)
_VERSION = r"v(?P<version>\d{2}\.\d)"
_DATA = rf"/services/data/{_VERSION}"
_CALL_OPTIONS_CLIENT = re.compile(r"(?:^|,)\s*client=([^,]+)")
_BATCH_SIZE = re.compile(r"batchSize=(\d+)")
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_THROTTLED = error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
_UNAVAILABLE = error_body("SERVER_UNAVAILABLE", "Server temporarily unavailable")


@dataclass(frozen=True, slots=True)
class WriteCall:
    """One write request: what was called, its ``Sforce-Call-Options`` client, the session user."""

    method: str
    path: str
    client: str | None
    user: str


@dataclass(slots=True)
class _QueryCursor:
    """A query's result, kept for its ``nextRecordsUrl`` pages."""

    rows: list[dict[str, Any]]
    sobject: str
    kind: str
    batch: int


Handler = Callable[[FakeRequest, str], FakeResponse]


class FakeSalesforce:
    """Salesforce on loopback: the org, sessions, REST, composite and Bulk 2.0.

    ``daily_limit`` is the org's API allowance (``api_usage`` counts the calls made);
    ``batch_size`` the records per query answer (``Sforce-Query-Options: batchSize`` overrides
    it within 200..2000); ``bulk_polls`` how many job-info polls a closed ingest job answers
    ``InProgress`` before it is processed; ``bulk_process_limit`` stops each job after that many
    rows; ``seed`` makes the shuffled bulk result order repeatable. ``port`` 0 serves on a free
    port; ``org`` starts from existing data (``Org.from_state``); with ``real_time`` the org's
    clock follows the wall clock (writes through the API are stamped with the current second),
    as a long-running fake for the demo needs, instead of moving only when a test ticks it.
    """

    def __init__(
        self,
        *,
        daily_limit: int = 100_000,
        batch_size: int = MAX_QUERY_BATCH,
        bulk_polls: int = 2,
        bulk_process_limit: int | None = None,
        seed: int = 7,
        port: int = 0,
        org: Org | None = None,
        real_time: bool = False,
    ) -> None:
        self.org = org or Org()
        self.real_time = real_time
        self.server = FakeServer("salesforce", port=port)
        self.sessions = Sessions()
        self.daily_limit = daily_limit
        self.api_usage = 0
        self.batch_size = batch_size
        self.bulk_polls = bulk_polls
        self.bulk_process_limit = bulk_process_limit
        self.writes: list[WriteCall] = []
        self.jobs: dict[str, IngestJob] = {}
        self.token = self.sessions.issue(INTEGRATION_USER_ID)
        self._cursors: dict[str, _QueryCursor] = {}
        self._serial = itertools.count(1)
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._add_routes()

    # -- life cycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The instance URL, ``http://127.0.0.1:<port>`` (the connector's ``instance_url``)."""
        return self.server.url

    def start(self) -> Self:
        """Serve on a free loopback port."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers: the org's data ------------------------------------------------------------

    def tick(self, seconds: int = 1) -> datetime:
        """Move the org's clock on by whole seconds; the new time."""
        with self._lock:
            self.org.now += timedelta(seconds=seconds)
            return self.org.now

    def seed(
        self,
        sobject: str,
        n: int,
        *,
        same_second: bool = False,
        by: str = OTHER_USER_ID,
        make: Callable[[int], Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Create ``n`` records (``make(i)`` gives each one's fields; plausible ones otherwise),
        each in a new second of its own or, with ``same_second``, all in one new second."""
        ids: list[str] = []
        with self._lock:
            if same_second:
                self.org.now += timedelta(seconds=1)
            for i in range(n):
                if not same_second:
                    self.org.now += timedelta(seconds=1)
                count = len(self.org.records[sobject])
                values = make(i) if make else default_values(sobject, count)
                ids.append(self.org.insert(sobject, values, by))
        return ids

    def insert(self, sobject: str, values: Mapping[str, Any], *, by: str = OTHER_USER_ID) -> str:
        """Create one record with exactly ``values`` in the current second; its Id."""
        with self._lock:
            return self.org.insert(sobject, values, by)

    def touch(
        self,
        sobject: str,
        ids: Iterable[str],
        *,
        same_second: bool = False,
        changes: Mapping[str, Any] | None = None,
        by: str = OTHER_USER_ID,
    ) -> datetime:
        """Change records (``changes``, or a new Phone), all in one new second or, with
        ``same_second``, in the current one; returns their SystemModstamp."""
        with self._lock:
            if not same_second:
                self.org.now += timedelta(seconds=1)
            for record_id in ids:
                phone = {"Phone": f"+39 02 {next(self._serial):07d}"}
                self.org.update(sobject, record_id, changes or phone, by)
            return self.org.now

    def delete(
        self,
        sobject: str,
        ids: Iterable[str],
        *,
        same_second: bool = False,
        by: str = OTHER_USER_ID,
    ) -> None:
        """Delete records (recycle bin: ``IsDeleted`` true, seen by ``queryAll`` only)."""
        with self._lock:
            if not same_second:
                self.org.now += timedelta(seconds=1)
            for record_id in ids:
                self.org.delete(sobject, record_id, by)

    def state(self) -> dict[str, Any]:
        """The org's data as JSON-able values, consistent (``Org.from_state`` reads it back)."""
        with self._lock:
            return self.org.to_state()

    def records(self, sobject: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Copies of the object's records (JSON form), in Id order."""
        with self._lock:
            rows = sorted(self.org.records[sobject].values(), key=lambda r: r["Id"])
            return [render(r, r.keys()) for r in rows if include_deleted or not r["IsDeleted"]]

    def find(self, sobject: str, ext_field: str, value: str) -> list[dict[str, Any]]:
        """Copies of the live records whose external id ``ext_field`` is ``value``."""
        with self._lock:
            found = self.org.matches(sobject, ext_field, value)
            return [
                render(self.org.records[sobject][i], self.org.records[sobject][i]) for i in found
            ]

    def reject_when(
        self,
        sobject: str,
        rejects: Callable[[Mapping[str, Any]], bool],
        message: str,
        fields: tuple[str, ...] = (),
    ) -> None:
        """A validation rule: saves for which ``rejects(record)`` holds fail with
        ``FIELD_CUSTOM_VALIDATION_EXCEPTION``."""
        with self._lock:
            self.org.rules.append(ValidationRule(sobject, rejects, message, fields))

    # -- test helpers: sessions and faults ---------------------------------------------------------

    def issue_token(self, user_id: str = INTEGRATION_USER_ID) -> str:
        """A new session token for ``user_id``."""
        return self.sessions.issue(user_id)

    def expire_sessions(self) -> None:
        """Invalidate every session: the next call with any token so far is answered 401."""
        self.sessions.expire_all()

    def throttle_next(
        self, count: int, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Answer the next ``count`` matching calls 403 REQUEST_LIMIT_EXCEEDED (throttling)."""
        return self.server.faults.fail_next(
            count, 403, headers=self._limit_header(), body=_THROTTLED, method=method, path=path
        )

    def unavailable_next(
        self, count: int, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Answer the next ``count`` matching calls 503 SERVER_UNAVAILABLE."""
        return self.server.faults.fail_next(
            count, 503, headers=self._limit_header(), body=_UNAVAILABLE, method=method, path=path
        )

    # -- the API around every REST handler ---------------------------------------------------------

    def _add_routes(self) -> None:
        api = self._api
        add = self.server.add_route
        add("POST", r"/services/oauth2/token", lambda r: self.sessions.oauth_token(r, self.url))
        add(
            "POST",
            rf"/services/Soap/u/{_VERSION[1:]}",
            lambda r: self.sessions.soap_login(r, self.url, r.params["version"]),
        )
        add("GET", rf"{_DATA}/limits/?", api(self._limits))
        add("GET", rf"{_DATA}/(?P<kind>query|queryAll)/?", api(self._query))
        add("GET", rf"{_DATA}/(?P<kind>query|queryAll)/(?P<locator>[^/]+)", api(self._query_more))
        add(
            "PATCH",
            rf"{_DATA}/sobjects/(?P<sobject>\w+)/(?P<field>\w+)/(?P<value>[^/]+)",
            api(self._upsert_one),
        )
        add(
            "PATCH",
            rf"{_DATA}/composite/sobjects/(?P<sobject>\w+)/(?P<field>\w+)/?",
            api(self._upsert_collection),
        )
        jobs = rf"{_DATA}/jobs/ingest"
        add("POST", rf"{jobs}/?", api(self._create_job))
        add("GET", rf"{jobs}/(?P<job>\w+)/?", api(self._job_info))
        add("PATCH", rf"{jobs}/(?P<job>\w+)/?", api(self._job_state))
        add("PUT", rf"{jobs}/(?P<job>\w+)/batches/?", api(self._upload))
        results = r"(?i:successfulResults|failedResults|unprocessedRecords)"
        add("GET", rf"{jobs}/(?P<job>\w+)/(?P<results>{results})/?", api(self._job_results))

    def _api(self, handler: Handler) -> Callable[[FakeRequest], FakeResponse]:
        """A REST handler behind the version check, the session check, the API allowance, the
        write log and Salesforce's error bodies; every answer carries Sforce-Limit-Info."""

        def wrapped(request: FakeRequest) -> FakeResponse:
            low, high = SUPPORTED_VERSIONS
            if not low <= float(request.params["version"]) <= high:
                body = error_body("NOT_FOUND", "The requested resource does not exist")
                return self._answer(json_response(body, 404))
            user = self.sessions.user_of(request)
            if user is None:
                body = error_body("INVALID_SESSION_ID", "Session expired or invalid")
                return self._answer(json_response(body, 401))
            with self._lock:
                if self.real_time:
                    self.org.catch_up(datetime.now(UTC))
                self.api_usage += 1
                if self.api_usage > self.daily_limit:
                    return self._answer(json_response(_THROTTLED, 403))
                if request.method in _WRITE_METHODS:
                    client = _call_options_client(request)
                    self.writes.append(WriteCall(request.method, request.path, client, user))
                try:
                    response = handler(request, user)
                except ApiError as error:
                    response = json_response(error.body(), error.status)
                return self._answer(response)

        return wrapped

    def _answer(self, response: FakeResponse) -> FakeResponse:
        response.headers.update(self._limit_header())
        return response

    def _limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage}/{self.daily_limit}"}

    # -- REST: limits and queries ----------------------------------------------------------------

    def _limits(self, request: FakeRequest, user: str) -> FakeResponse:
        remaining = max(0, self.daily_limit - self.api_usage)
        return json_response(
            {"DailyApiRequests": {"Max": self.daily_limit, "Remaining": remaining}}
        )

    def _query(self, request: FakeRequest, user: str) -> FakeResponse:
        text = request.arg("q")
        if not text:
            raise malformed("the query is empty: pass it as ?q=")
        query = parse_soql(text, self.org.objects)
        kind = request.params["kind"]
        rows = [render(r, query.fields) for r in self.org.select(query, kind == "queryAll")]
        locator = salesforce_id("01g", next(self._serial))
        cursor = _QueryCursor(rows, query.sobject.name, kind, self._batch_size(request))
        self._cursors[locator] = cursor
        return json_response(self._query_page(request.params["version"], locator, cursor, 0))

    def _query_more(self, request: FakeRequest, user: str) -> FakeResponse:
        locator, _, start = request.params["locator"].partition("-")
        cursor = self._cursors.get(locator)
        if cursor is None or not start.isdigit() or int(start) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        page = self._query_page(request.params["version"], locator, cursor, int(start))
        return json_response(page)

    def _query_page(
        self, version: str, locator: str, cursor: _QueryCursor, start: int
    ) -> dict[str, Any]:
        end = min(start + cursor.batch, len(cursor.rows))
        base = f"/services/data/v{version}/sobjects/{cursor.sobject}"
        records = [
            {"attributes": {"type": cursor.sobject, "url": f"{base}/{row.get('Id')}"}, **row}
            for row in cursor.rows[start:end]
        ]
        done = end >= len(cursor.rows)
        page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": done, "records": records}
        if done:
            self._cursors.pop(locator, None)
        else:
            page["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.kind}/{locator}-{end}"
        return page

    def _batch_size(self, request: FakeRequest) -> int:
        match = _BATCH_SIZE.search(request.header("sforce-query-options") or "")
        if match is None:
            return self.batch_size
        return max(MIN_QUERY_BATCH, min(MAX_QUERY_BATCH, int(match.group(1))))

    # -- REST: upserts ---------------------------------------------------------------------------

    def _ext_field(self, spec: SObjectSpec, name: str) -> FieldSpec:
        field = spec.field(name)
        if field is None or not field.external_id:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"Provided external ID field does not exist or is not accessible: {name}",
            )
        return field

    def _upsert_one(self, request: FakeRequest, user: str) -> FakeResponse:
        sobject, version = request.params["sobject"], request.params["version"]
        spec = self.org.spec(sobject)
        ext = self._ext_field(spec, request.params["field"])
        value = unquote(request.params["value"])
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "the request body must be a JSON object")
        if any(k.lower() == ext.name.lower() for k in body):
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"The external ID field {ext.name} can't be in the request body: it is in the URL",
                [ext.name],
            )
        try:
            values = json_values(spec, body)
            record_id, created = self.org.upsert(sobject, ext.name, value, values, user)
        except MultipleMatches as many:
            urls = [f"/services/data/v{version}/sobjects/{sobject}/{i}" for i in many.ids]
            return json_response(urls, 300)
        except RecordError as error:
            raise ApiError(400, error.code, error.message, error.fields) from None
        if created:
            answer = {"id": record_id, "success": True, "errors": [], "created": True}
            return json_response(answer, 201)
        return empty_response(204)

    def _upsert_collection(self, request: FakeRequest, user: str) -> FakeResponse:
        spec = self.org.spec(request.params["sobject"])
        ext = self._ext_field(spec, request.params["field"])
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", "the body must be {allOrNone, records: [...]}")
        if len(body["records"]) > COMPOSITE_LIMIT:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", f"at most {COMPOSITE_LIMIT} records a request")
        prepared = [self._collection_record(spec, ext, r) for r in body["records"]]
        counts: dict[str, int] = {}
        for value, _ in prepared:
            counts[value] = counts.get(value, 0) + 1
        snapshot = self.org.snapshot() if body.get("allOrNone") else None
        results = [
            self._collection_upsert(spec, ext, value, values, user)
            if counts[value] == 1
            else RecordError(
                "DUPLICATE_VALUE", f"Duplicate external id specified: {value}", [ext.name]
            ).as_result()
            for value, values in prepared
        ]
        if snapshot is not None and not all(r["success"] for r in results):
            self.org.restore(snapshot)
            rolled_back = RecordError(
                "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "Record rolled back because not all records were valid and the request was "
                "using AllOrNone header",
            ).as_result()
            results = [r if not r["success"] else rolled_back for r in results]
        return json_response(results)

    def _collection_record(
        self, spec: SObjectSpec, ext: FieldSpec, record: Any
    ) -> tuple[str, dict[str, Any]]:
        if (
            not isinstance(record, dict)
            or (record.get("attributes") or {}).get("type") != spec.name
        ):
            raise ApiError(
                400,
                "INVALID_TYPE",
                f"each record needs attributes.type = {spec.name!r} (the object in the URL)",
            )
        key = ext.name.lower()
        value = next((v for k, v in record.items() if k.lower() == key), None)
        if value in (None, ""):
            raise ApiError(400, "MISSING_ARGUMENT", f"each record needs a value for {ext.name}")
        return str(value), {k: v for k, v in record.items() if k.lower() != key}

    def _collection_upsert(
        self, spec: SObjectSpec, ext: FieldSpec, value: str, body: dict[str, Any], user: str
    ) -> dict[str, Any]:
        try:
            values = json_values(spec, body)
            record_id, created = self.org.upsert(spec.name, ext.name, value, values, user)
        except MultipleMatches as many:
            return RecordError(
                "DUPLICATE_EXTERNAL_ID",
                f"{ext.name}: more than one record found for external id field: "
                f"[{', '.join(many.ids)}]",
                [ext.name],
            ).as_result()
        except RecordError as error:
            return error.as_result()
        return {"id": record_id, "success": True, "errors": [], "created": created}

    # -- Bulk API 2.0 ------------------------------------------------------------------------

    def _create_job(self, request: FakeRequest, user: str) -> FakeResponse:
        body = request.json() or {}
        if body.get("operation") != "upsert":
            raise ApiError(
                400,
                "FEATURENOTENABLED",
                f"the fake runs 'upsert' jobs only, not {body.get('operation')!r}",
            )
        if (
            body.get("contentType", "CSV") != "CSV"
            or body.get("columnDelimiter", "COMMA") != "COMMA"
        ):
            raise ApiError(400, "INVALIDJOB", "the fake reads comma-separated CSV only")
        spec = self.org.spec(str(body.get("object")))
        ext = self._ext_field(spec, str(body.get("externalIdFieldName")))
        job_id = salesforce_id("750", next(self._serial))
        job = IngestJob(job_id, spec.name, ext.name, user, request.params["version"])
        self.jobs[job.id] = job
        return json_response(job.info())

    def _job(self, request: FakeRequest) -> IngestJob:
        job = self.jobs.get(request.params["job"])
        if job is None:
            raise ApiError(404, "NOT_FOUND", f"no ingest job {request.params['job']}")
        return job

    def _upload(self, request: FakeRequest, user: str) -> FakeResponse:
        job = self._job(request)
        if job.state != "Open":
            raise ApiError(409, "INVALIDJOBSTATE", f"job {job.id} is {job.state}, not Open")
        if not (request.header("content-type") or "").startswith("text/csv"):
            raise ApiError(400, "INVALIDBATCH", "upload the job data as text/csv")
        job.csv_parts.append(request.body.decode("utf-8"))
        return empty_response(201)

    def _job_state(self, request: FakeRequest, user: str) -> FakeResponse:
        job = self._job(request)
        state = (request.json() or {}).get("state")
        if state == "UploadComplete" and job.state == "Open":
            job.state, job.polls_left = "UploadComplete", self.bulk_polls
        elif state == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
            job.state = "Aborted"
        else:
            raise ApiError(
                400, "INVALIDJOBSTATE", f"cannot move job {job.id} from {job.state} to {state}"
            )
        return json_response(job.info())

    def _job_info(self, request: FakeRequest, user: str) -> FakeResponse:
        job = self._job(request)
        if job.state in ("UploadComplete", "InProgress"):
            job.state = "InProgress"
            job.polls_left -= 1
            if job.polls_left <= 0:
                spec = self.org.spec(job.sobject)
                process_job(job, self.org, spec, self.bulk_process_limit, self._random)
        return json_response(job.info())

    def _job_results(self, request: FakeRequest, user: str) -> FakeResponse:
        job = self._job(request)
        if job.state not in ("JobComplete", "Failed", "Aborted"):
            raise ApiError(409, "INVALIDJOBSTATE", f"job {job.id} is {job.state}: no results yet")
        return text_response(job.results_csv(request.params["results"]), 200, "text/csv")


def _call_options_client(request: FakeRequest) -> str | None:
    match = _CALL_OPTIONS_CLIENT.search(request.header("sforce-call-options") or "")
    return match.group(1).strip() if match else None
