"""Publishing a target: plan it, then drain its outbox through the connector.

Due rows are handed to ``Connector.write`` a batch at a time (``targets.<name>.batch_size``),
each record carrying the golden id as its stable key (``__key__``), so that every write is
an upsert by that id and a retry never creates a duplicate. The connector's results are
settled in one transaction per batch: a written record's outbox row is marked ``sent``
together with its write-ledger entry and its sync state; a failed one is retried later with
backoff or, after ``retry.max_attempts`` (or at once when retrying cannot help), is ``dead``.

A crash between the connector's write and that transaction leaves the rows pending: the
next publish sends them again, and the upsert by stable id changes nothing the second time.
If the connector fails as a whole (a refused session, a spent API allowance), the results it
gave are settled, the rest stay pending, and the error is raised.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from connectors.sdk import Connector, WriteOutcome, WriteResult
from crmhub.config.connections import build_connector
from crmhub.config.project import Project
from crmhub.store.engine import write_transaction
from crmhub.store.locks import connection_lock
from crmhub.store.runs import finish_run, start_run
from crmhub.store.schema import outbox
from crmhub.store.types import utc_now
from crmhub.sync.diff import DELETE
from crmhub.sync.errors import SyncError
from crmhub.sync.ledger import LedgerEntry, append
from crmhub.sync.outbox import (
    OutboxEntry,
    count_due,
    due_entries,
    mark_failed,
    mark_sent,
    next_retry_at,
)
from crmhub.sync.plan import PlanReport, plan_loaded
from crmhub.sync.records import TargetRecord, load_target_records, save_target_records
from crmhub.sync.targets import Target, load_target

KEY_FIELD = "__key__"
NO_RESULT = "the connector gave no result for this record"


@dataclass(slots=True)
class PublishReport:
    """What a publish did: the plan, and the outbox rows written, failed and given up.

    ``outcomes`` counts the connector's answers (created, updated, unchanged); ``waiting``
    and ``dead_total`` are the target's rows still queued and dead when the publish ended.
    """

    target: str
    run_id: int | None = None
    plan: PlanReport | None = None
    dry_run: bool = False
    due: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    batches: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    waiting: int = 0
    dead_total: int = 0

    def counts(self) -> dict[str, Any]:
        """The numbers, for the run record."""
        plan = self.plan
        return {
            "due": self.due,
            "sent": self.sent,
            "failed": self.failed,
            "dead": self.dead,
            "outcomes": dict(self.outcomes),
            "waiting": self.waiting,
            "planned": dict(plan.outcomes) if plan else {},
            "queued": plan.queued if plan else 0,
        }


ProgressFn = Callable[[PublishReport], None]


def publish(
    project: Project,
    engine: Engine,
    target: str,
    *,
    dry_run: bool = False,
    plan: bool = True,
    connector: Connector[Any] | None = None,
    lock_wait: float = 0,
    wait_for_retries: float = 0,
    on_progress: ProgressFn | None = None,
) -> PublishReport:
    """Plan ``target`` (unless ``plan`` is False) and write its due outbox rows.

    ``dry_run`` only plans, writing nothing anywhere. ``wait_for_retries`` lets the publish
    wait up to that many seconds for failed rows to come due again and retry them in the same
    run. ``connector`` replaces the one built from the project (closed by the caller then).
    Holds the locks ``target:<name>`` and ``connection:<connection>`` (the ingest's).
    """
    resolved = load_target(project, target)
    if dry_run:
        return PublishReport(target, plan=plan_loaded(engine, resolved, dry_run=True), dry_run=True)
    with ExitStack() as stack:
        if connector is None:
            connector = stack.enter_context(build_connector(project, resolved.connection))
        _require_writable(connector, resolved)
        stack.enter_context(connection_lock(engine, f"target:{target}", wait=lock_wait))
        stack.enter_context(
            connection_lock(engine, f"connection:{resolved.connection}", wait=lock_wait)
        )
        return _run(engine, resolved, connector, plan, wait_for_retries, on_progress)


def _require_writable(connector: Connector[Any], target: Target) -> None:
    if not connector.stream_spec(target.stream).writable:
        raise SyncError(
            f"target {target.name!r}: stream {target.stream!r} of connection "
            f"{target.connection!r} cannot be written to",
            hint="choose a writable stream (see `crmhub connectors discover`) or configure "
            "the connection's write target",
        )


def _run(
    engine: Engine,
    target: Target,
    connector: Connector[Any],
    plan: bool,
    wait_for_retries: float,
    on_progress: ProgressFn | None,
) -> PublishReport:
    run_id = start_run(engine, "publish", target.connection)
    report = PublishReport(target.name, run_id)
    try:
        report.plan = plan_loaded(engine, target) if plan else None
        _drain(engine, target, connector, report, wait_for_retries, on_progress)
        _tally_left(engine, target, report)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        finish_run(engine, run_id, status, report.counts(), error=f"{type(exc).__name__}: {exc}")
        raise
    finish_run(engine, run_id, "succeeded", report.counts())
    return report


def _drain(
    engine: Engine,
    target: Target,
    connector: Connector[Any],
    report: PublishReport,
    wait_for_retries: float,
    on_progress: ProgressFn | None,
) -> None:
    deadline = time.monotonic() + wait_for_retries
    while True:
        with engine.connect() as conn:
            report.due += count_due(conn, target.name, utc_now())
        _one_pass(engine, target, connector, report, on_progress)
        with engine.connect() as conn:
            retry_at = next_retry_at(conn, target.name)
        if retry_at is None:
            return
        wait = max((retry_at - utc_now()).total_seconds(), 0.0)
        if time.monotonic() + wait > deadline:
            return
        time.sleep(wait)


def _one_pass(
    engine: Engine,
    target: Target,
    connector: Connector[Any],
    report: PublishReport,
    on_progress: ProgressFn | None,
) -> None:
    """Every row due now, once, in id order (a row failing now waits for its backoff)."""
    last_id = 0
    while True:
        with engine.connect() as conn:
            batch = due_entries(
                conn, target.name, after_id=last_id, limit=target.config.batch_size, now=utc_now()
            )
        if not batch:
            return
        last_id = batch[-1].id
        _write_batch(engine, target, connector, batch, report)
        report.batches += 1
        if on_progress is not None:
            on_progress(report)


def _record(entry: OutboxEntry) -> dict[str, Any]:
    return {**entry.payload, KEY_FIELD: entry.golden_id}


def _write_batch(
    engine: Engine,
    target: Target,
    connector: Connector[Any],
    batch: list[OutboxEntry],
    report: PublishReport,
) -> None:
    writes = [e for e in batch if e.operation != DELETE]
    deletes = [e for e in batch if e.operation == DELETE]
    answered: list[tuple[OutboxEntry, WriteResult]] = []
    try:
        if writes:
            results = connector.write(target.stream, [_record(e) for e in writes])
            answered.extend(_paired(writes, results))  # keeps what came before a failure
        if deletes:
            remover = connector.delete  # type: ignore[attr-defined]  # checked by load_target
            answered.extend(
                _paired(deletes, remover(target.stream, [e.golden_id for e in deletes]))
            )
    finally:
        _settle(engine, target, answered, report)


def _failure(entry: OutboxEntry, reason: str) -> WriteResult:
    return WriteResult(entry.golden_id, WriteOutcome.FAILED, reason=reason, retryable=True)


def _paired(
    entries: list[OutboxEntry], results: Iterable[WriteResult]
) -> Iterator[tuple[OutboxEntry, WriteResult]]:
    """Each entry with its result, in order; a result missing at the end (the connector broke
    its contract) or naming another key is a retryable failure."""
    answers = iter(results)
    for entry in entries:
        result = next(answers, None)
        if result is None:
            result = _failure(entry, NO_RESULT)
        elif result.key != entry.golden_id:
            result = _failure(entry, f"the connector answered for key {result.key!r} instead")
        yield entry, result


def _settle(
    engine: Engine,
    target: Target,
    answered: list[tuple[OutboxEntry, WriteResult]],
    report: PublishReport,
) -> None:
    """One transaction: sent rows with their ledger entries and sync state, failed rows with
    their next attempt or their death."""
    if not answered:
        return
    written = [(e, r) for e, r in answered if r.outcome is not WriteOutcome.FAILED]
    failures = [
        (e, r.reason or "failed", r.retryable)
        for e, r in answered
        if r.outcome is WriteOutcome.FAILED
    ]
    with write_transaction(engine) as conn:
        now = utc_now()
        mark_sent(conn, [e for e, _ in written], now)
        _note_written(conn, target, written, now, report.run_id)
        counts = mark_failed(conn, failures, target.config.retry, now)
    report.sent += len(written)
    report.outcomes.update(r.outcome.value for _, r in written)
    report.failed += counts["failed"]
    report.dead += counts["dead"]


def _note_written(
    conn: Connection,
    target: Target,
    written: list[tuple[OutboxEntry, WriteResult]],
    now: datetime,
    run_id: int | None,
) -> None:
    """Ledger entries and sync state of the records written."""
    if not written:
        return
    records = load_target_records(conn, target.name, [e.golden_id for e, _ in written])
    entries = []
    for entry, result in written:
        record = records.setdefault(entry.golden_id, TargetRecord(entry.golden_id))
        record.external_id = result.external_id or record.external_id or entry.external_id
        if entry.operation == DELETE:
            record.note_deleted(now)
        else:
            record.note_written(entry.payload, now)
        external_id = record.external_id or entry.golden_id
        entries.append(
            LedgerEntry(
                target.name,
                entry.golden_id,
                external_id,
                entry.operation,
                entry.payload,
                now,
                run_id,
            )
        )
    append(conn, entries)
    save_target_records(conn, target.name, records.values(), now)


def _tally_left(engine: Engine, target: Target, report: PublishReport) -> None:
    o = outbox.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(o.status, sa.func.count())
            .where(o.target == target.name, o.status.in_(("pending", "failed", "dead")))
            .group_by(o.status)
        )
        left = dict(rows.all())
    report.waiting = int(left.get("pending", 0) + left.get("failed", 0))
    report.dead_total = int(left.get("dead", 0))
