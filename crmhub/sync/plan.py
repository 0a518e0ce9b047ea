"""Planning a target: the desired state of every golden record, diffed against what the target
holds, and only the real changes queued in the outbox.

Golden records are taken in chunks (in id order); each chunk is one transaction that loads
what the hub knows (golden records, the target's stored reads, ``target_records``, waiting
outbox rows, open conflicts), decides every record (``crmhub.sync.decide``) and writes the
outbox rows, the moved sync bases and the conflicts. A dry run decides the same and writes
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from crmhub.config.project import Project
from crmhub.store.engine import write_transaction
from crmhub.store.locks import connection_lock
from crmhub.store.types import utc_now
from crmhub.sync.conflicts import open_conflicts, record_conflicts
from crmhub.sync.decide import Decision, decide
from crmhub.sync.diff import Change
from crmhub.sync.filters import needs_sources
from crmhub.sync.golden import GoldenPage, load_page, system_of_record_values
from crmhub.sync.outbox import QueueCounts, enqueue, open_entries
from crmhub.sync.reads import link_read, load_reads
from crmhub.sync.records import TargetRecord, load_target_records_in, save_target_records
from crmhub.sync.targets import Target, load_target

DEFAULT_CHUNK_SIZE = 1_000
SAMPLE_SIZE = 20  # problems and planned changes kept in a report


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """A change the plan queued (or, in a dry run, would queue)."""

    golden_id: str
    outcome: str
    operation: str
    payload: dict[str, object]


@dataclass(slots=True)
class PlanReport:
    """What planning a target found and did.

    ``outcomes`` counts golden records by outcome (see ``crmhub.sync.decide``); ``queued``,
    ``kept`` and ``withdrawn`` what happened to outbox rows; ``conflicts`` the conflicts
    recorded by resolution. ``problems`` and ``changes`` keep the first few of each.
    """

    target: str
    dry_run: bool = False
    outcomes: Counter[str] = field(default_factory=Counter)
    queued: int = 0
    kept: int = 0
    withdrawn: int = 0
    conflicts: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)

    def add(self, decision: Decision) -> None:
        """Count one decision, keeping a sample of problems and changes."""
        self.outcomes[decision.outcome] += 1
        change = decision.change
        self.conflicts.update(case.resolution for case in change.conflicts)
        if decision.problem and len(self.problems) < SAMPLE_SIZE:
            self.problems.append((decision.golden_id, decision.problem))
        if change.operation and len(self.changes) < SAMPLE_SIZE:
            self.changes.append(
                PlannedChange(
                    decision.golden_id, decision.outcome, change.operation, change.payload
                )
            )

    def add_queue(self, counts: QueueCounts) -> None:
        """Count what coalescing did."""
        self.queued += counts.queued
        self.kept += counts.kept
        self.withdrawn += counts.withdrawn


ChunkProgress = Callable[[PlanReport], None]
DecisionsFn = Callable[[list[Decision]], None]


def plan_target(
    project: Project,
    engine: Engine,
    target: str,
    *,
    dry_run: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    lock_wait: float = 0,
    on_progress: ChunkProgress | None = None,
) -> PlanReport:
    """Diff every golden record against ``target`` and queue the changes in the outbox.

    Holds the lock ``target:<name>`` (``LockBusy`` after ``lock_wait`` seconds); raises
    ``UnknownTarget`` or ``ConfigInvalid`` before reading anything when the target is wrong.
    """
    resolved = load_target(project, target)
    with connection_lock(engine, f"target:{target}", wait=lock_wait):
        return plan_loaded(
            engine, resolved, dry_run=dry_run, chunk_size=chunk_size, on_progress=on_progress
        )


def plan_loaded(
    engine: Engine,
    target: Target,
    *,
    dry_run: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: ChunkProgress | None = None,
    on_decisions: DecisionsFn | None = None,
) -> PlanReport:
    """:func:`plan_target` for a loaded target, the caller holding its lock. ``on_decisions``
    sees each page's decisions (a page at a time: nothing is kept for the whole target)."""
    report = PlanReport(target.name, dry_run=dry_run)
    with_sources = needs_sources(target.config.filter)
    after = ""
    while True:
        with engine.connect() if dry_run else write_transaction(engine) as conn:
            page = load_page(conn, after, chunk_size, with_sources=with_sources)
            if page is None:
                return report
            decisions = _plan_page(conn, target, page, report, dry_run=dry_run)
        if on_decisions is not None:
            on_decisions(decisions)
        after = page.ids.last
        if on_progress is not None:
            on_progress(report)


def _decide_page(conn: Connection, target: Target, page: GoldenPage) -> list[Decision]:
    stored = load_target_records_in(conn, target.name, page.ids)
    relevant = [g for g in page.records if g.live or g.id in stored]
    linked, by_external_id = load_reads(
        conn, target.name, target.connection, target.stream, page.ids
    )
    systems = system_of_record_values(conn, page.ids, target.owner_systems)
    decisions = []
    for golden in relevant:
        record = stored.get(golden.id) or TargetRecord(golden.id)
        link = link_read(
            golden.id, linked.get(golden.id, []), by_external_id.get(golden.id), target.id_field
        )
        decisions.append(decide(target, golden, record, link, systems))
    return decisions


def _plan_page(
    conn: Connection, target: Target, page: GoldenPage, report: PlanReport, *, dry_run: bool
) -> list[Decision]:
    decisions = _decide_page(conn, target, page)
    for decision in decisions:
        report.add(decision)
    if dry_run:
        return decisions
    now = utc_now()
    waiting = open_entries(conn, target.name, page.ids)
    changes: list[tuple[str, str | None, Change]] = [
        (d.golden_id, d.record.external_id, d.change)
        for d in decisions
        if d.outcome not in ("unlinked", "rejected")
    ]
    report.add_queue(enqueue(conn, target.name, changes, waiting, now))
    _save_conflicts(conn, target, page, decisions, now)
    save_target_records(conn, target.name, [d.record for d in decisions], now)
    return decisions


def _save_conflicts(
    conn: Connection, target: Target, page: GoldenPage, decisions: list[Decision], now: datetime
) -> None:
    already_open = open_conflicts(conn, target.name, page.ids)
    cases = [(d.golden_id, case) for d in decisions for case in d.change.conflicts]
    if not cases and not already_open:
        return
    raised = {(gid, case.field) for gid, case in cases}
    compared = {d.golden_id for d in decisions if d.outcome in ("update", "in_sync")}
    settled = [key for key in already_open if key[0] in compared and key not in raised]
    record_conflicts(conn, target.name, cases, already_open, settled, now)
