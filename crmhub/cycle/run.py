"""The whole cycle: ingest every connection, match and merge, publish every target.

    report = run_cycle(project, engine)                       # what `crmhub run` does
    report = run_cycle(project, engine, connections=["erp"], targets=["erp_clienti"])

Each step is the same function its own command runs (``sync_connection``, ``run_match``,
``publish``), under the same locks, so a cycle and a single command never step on each other.

What a failure stops:

* a connection that fails to ingest does not stop the others; what it committed before
  failing stays (its state moves with its records), and match and publish go on with what
  the store holds;
* a target whose connection failed to ingest in this cycle is **skipped**: the hub would write
  it without knowing what it holds now, and an edit made there since the last read would be
  overwritten instead of being recognised as a change or a conflict;
* a target whose stream the project reads but no ingest has read yet (a first ``crmhub run
  -c erp``) is **skipped** too: the hub cannot tell which of its records the target already
  holds, and creating them all would make duplicates;
* when the match fails, every publish is skipped: the golden records may not reflect what was
  just ingested, and writing them would push the old values back over the new ones;
* a target that fails does not stop the other targets;
* an unreachable or out-of-date store stops the cycle at once (no step can run without it),
  and an unknown connection or target name is refused before anything runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.sdk.errors import ConnectorError
from crmhub.config.project import Project
from crmhub.cycle.report import CycleEvent, CycleReport, StepKind, StepResult
from crmhub.errors import CrmhubError, exit_code_for
from crmhub.ingest.counts import StreamCounts
from crmhub.ingest.sync import SyncReport, sync_connection
from crmhub.logging import mask_secrets
from crmhub.match.job import MatchReport, run_match
from crmhub.store.errors import StoreOutOfDate, StoreUnavailable
from crmhub.store.schema import connection_state
from crmhub.sync.publish import PublishReport, publish
from crmhub.sync.targets import load_target

log = logging.getLogger(__name__)

EventFn = Callable[[CycleEvent], None]
R = TypeVar("R", SyncReport, MatchReport, PublishReport)

#: Errors after which no step can run: the cycle stops and raises them.
FATAL = (StoreUnavailable, StoreOutOfDate)


def cycle_connections(project: Project, wanted: list[str] | None = None) -> list[str]:
    """``wanted`` (checked), else every connection with an enabled stream, in config order."""
    if wanted:
        for name in wanted:
            project.connection(name)  # UnknownConnection, with the closest name as hint
        return list(dict.fromkeys(wanted))
    return [
        name
        for name, spec in project.config.connections.items()
        if any(stream.enabled for stream in spec.streams.values())
    ]


def cycle_targets(project: Project, wanted: list[str] | None = None) -> list[str]:
    """``wanted`` (checked), else every enabled target, in config order."""
    declared = project.config.targets
    if wanted:
        for name in wanted:
            if name not in declared:
                load_target(project, name)  # raises UnknownTarget, with the closest name
        return list(dict.fromkeys(wanted))
    return [name for name, spec in declared.items() if spec.enabled]


def run_cycle(
    project: Project,
    engine: Engine,
    *,
    connections: list[str] | None = None,
    targets: list[str] | None = None,
    full_match: bool = False,
    lock_wait: float = 0.0,
    on_event: EventFn | None = None,
    publish_retry_wait: float = 0.0,
) -> CycleReport:
    """Ingest ``connections``, match and merge, publish ``targets`` (default: all enabled).

    ``lock_wait`` is how long each step waits for another run holding its lock;
    ``publish_retry_wait`` how long a publish may wait for failed records to come due again.
    Failures are recorded in the report (see the module's docstring for what they stop);
    only ``UsageError`` for unknown names and the store's own failures are raised.
    """
    emit = on_event or _ignore
    names = cycle_connections(project, connections)
    target_names = cycle_targets(project, targets)
    started = time.perf_counter()
    report = CycleReport()
    for name in names:
        report.ingests.append(_ingest(project, engine, name, lock_wait, emit))
    report.match = _match(project, engine, full_match, lock_wait, emit)
    unread = {step.name for step in report.ingests if not step.ok}
    for target in target_names:
        skip = _skip_reason(project, engine, target, report.match.ok, unread)
        if skip:
            report.publishes.append(_skipped("publish", target, skip, emit))
        else:
            report.publishes.append(
                _publish(project, engine, target, lock_wait, publish_retry_wait, emit)
            )
    report.seconds = time.perf_counter() - started
    return report


def _ignore(event: CycleEvent) -> None:
    return None


def _ingest(
    project: Project, engine: Engine, name: str, lock_wait: float, emit: EventFn
) -> StepResult[SyncReport]:
    totals: dict[str, StreamCounts] = {}

    def progress(stream: str, counts: StreamCounts) -> None:
        totals[stream] = counts
        read = sum(c.read for c in totals.values())
        emit(CycleEvent("ingest", name, "progress", f"{stream}: {counts.read:,} read", read))

    return _step(
        "ingest",
        name,
        emit,
        lambda: sync_connection(project, engine, name, lock_wait=lock_wait, on_progress=progress),
    )


def _match(
    project: Project, engine: Engine, full: bool, lock_wait: float, emit: EventFn
) -> StepResult[MatchReport]:
    def progress(stage: str, count: int) -> None:
        emit(CycleEvent("match", "match", "progress", f"{stage}: {count:,}", count))

    return _step(
        "match",
        "match",
        emit,
        lambda: run_match(project, engine, full=full, lock_wait=lock_wait, on_progress=progress),
    )


def _publish(
    project: Project,
    engine: Engine,
    target: str,
    lock_wait: float,
    retry_wait: float,
    emit: EventFn,
) -> StepResult[PublishReport]:
    def progress(report: PublishReport) -> None:
        done = report.sent + report.failed + report.dead
        emit(
            CycleEvent(
                "publish",
                target,
                "progress",
                f"{report.sent:,} written",
                done,
                max(report.due, done) or None,
            )
        )

    return _step(
        "publish",
        target,
        emit,
        lambda: publish(
            project,
            engine,
            target,
            lock_wait=lock_wait,
            wait_for_retries=retry_wait,
            on_progress=progress,
        ),
    )


def _skip_reason(
    project: Project, engine: Engine, target: str, matched: bool, unread: set[str]
) -> str | None:
    if not matched:
        return "skipped: the match failed, so the golden records may not hold what was ingested"
    spec = project.config.targets[target]
    if spec.connection in unread:
        return (
            f"skipped: connection {spec.connection!r} could not be read in this cycle, so "
            "writing it could overwrite edits made there since the last read"
        )
    if _read_but_never_stored(project, engine, spec.connection, spec.stream):
        return (
            f"skipped: stream {spec.stream!r} of connection {spec.connection!r} has never been "
            "read, so the hub cannot tell which of its records are already there and would "
            f"create duplicates (hint: crmhub run -c {spec.connection}, or crmhub sync "
            f"{spec.connection}, first)"
        )
    return None


def _read_but_never_stored(project: Project, engine: Engine, connection: str, stream: str) -> bool:
    """True when the project reads ``stream`` but no ingest of it has saved its state yet."""
    declared = project.config.connections[connection].streams.get(stream)
    if declared is None or not declared.enabled:
        return False  # a write-only stream: what the target holds is known from our writes
    s = connection_state.c
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(s.stream).where(s.connection == connection, s.stream == stream).limit(1)
        ).first()
    return found is None


def _step(kind: StepKind, name: str, emit: EventFn, work: Callable[[], R]) -> StepResult[R]:
    emit(CycleEvent(kind, name, "started"))
    started = time.perf_counter()
    try:
        result: StepResult[R] = StepResult(kind, name, "succeeded", report=work())
    except FATAL:
        raise
    except Exception as exc:  # noqa: BLE001 - a failing step is reported; the others go on
        result = _failed(kind, name, exc)
    result.seconds = time.perf_counter() - started
    emit(CycleEvent(kind, name, "finished", result=result))
    return result


def _failed(kind: StepKind, name: str, exc: Exception) -> StepResult[Any]:
    expected = isinstance(exc, (CrmhubError, ConnectorError))
    if isinstance(exc, CrmhubError):
        message, hint = exc.message, exc.hint
    else:
        detail = exc.args[0] if exc.args else exc
        message, hint = f"{type(exc).__name__}: {detail}", getattr(exc, "hint", None)
    log.warning("%s %s failed: %s", kind, name, mask_secrets(message), exc_info=not expected)
    return StepResult(
        kind,
        name,
        "failed",
        error=mask_secrets(str(message)),
        hint=mask_secrets(hint) if hint else None,
        exit_code=exit_code_for(exc),
        exception=exc,
    )


def _skipped(kind: StepKind, name: str, reason: str, emit: EventFn) -> StepResult[Any]:
    result: StepResult[Any] = StepResult(kind, name, "skipped", error=reason)
    emit(CycleEvent(kind, name, "finished", result=result))
    return result
