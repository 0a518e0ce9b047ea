"""Ingest one stream: read incrementally, skip what is unchanged, map and validate the rest,
store it with the state that covers it, quarantine what cannot be stored.

The loop works in bounded batches, so memory does not grow with the size of the source. Each
batch is one transaction holding its records, its quarantine entries and (when the connector
gave one) the checkpoint that covers them; a crash anywhere is followed by a rerun that starts
from the last committed checkpoint and, thanks to the content hashes, ends in the same store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from connectors.sdk import Checkpoint, Connector, ReadProblem, SourceRecord
from crmhub.ingest.counts import StreamCounts
from crmhub.ingest.hashing import raw_hash
from crmhub.ingest.mapper import Mapper, Pending, gc_tuned
from crmhub.ingest.writer import NewVersion, Rejected, Stored, StreamWriter, WritePlan
from crmhub.mapping.compiler import CompiledMapping
from crmhub.store.engine import immediate_writes

T = TypeVar("T")
ProgressFn = Callable[[StreamCounts], None]
EchoFn = Callable[[Connection, list[SourceRecord]], set[str]]  # see crmhub.sync.echo

DEFAULT_BATCH_SIZE = 5_000
DEFAULT_MASS_DELETE_GUARD = 0.5  # refuse to tombstone more than this share of a stream at once


@dataclass(slots=True)
class IngestOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    workers: int = 0  # processes that map records; 0 maps in this process
    mass_delete_guard: float = DEFAULT_MASS_DELETE_GUARD
    allow_mass_delete: bool = False
    full_refresh: bool = False  # read from the beginning, ignoring the saved state


@dataclass(slots=True)
class _Batch:
    records: list[SourceRecord] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    state: dict[str, Any] | None = None
    snapshot_complete: bool = False

    def __len__(self) -> int:
        return len(self.records) + len(self.problems)


def _batches(items: Iterable[Any], size: int) -> Iterator[_Batch]:
    """Group the connector's items; the last batch carries the read's final checkpoint."""
    batch = _Batch()
    for item in items:
        if isinstance(item, SourceRecord):
            batch.records.append(item)
        elif isinstance(item, Checkpoint):
            batch.state = item.state
            batch.snapshot_complete = item.snapshot_complete
        elif isinstance(item, ReadProblem):
            batch.problems.append(item)
        else:
            raise TypeError(f"connector yielded {type(item).__name__}, not a record or checkpoint")
        if len(batch) >= size:
            yield batch
            batch = _Batch(snapshot_complete=False)
    yield batch


def latest_per_key(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """One item per key, in the order of their last occurrence; a later one (newer) wins."""
    by_key: dict[str, T] = {}
    for item in items:
        k = key(item)
        by_key.pop(k, None)
        by_key[k] = item
    return list(by_key.values())


@dataclass(slots=True)
class _Planned:
    """A batch classified against the store, its records being built by the mapper."""

    batch: _Batch
    stored: dict[str, Stored]
    plan: WritePlan
    building: Pending
    keys: set[str]
    echo_keys: set[str]


def _classify(batch: _Batch, stored: dict[str, Stored], mapper: Mapper, fingerprint: str,
              counts: StreamCounts, echo_keys: set[str]) -> _Planned:
    """Skip what is unchanged, plan deletions, and send the rest to the mapper."""
    plan = WritePlan([], [], [], [], [], [], batch.state)
    to_build: list[tuple[SourceRecord, str]] = []
    for record in latest_per_key(batch.records, key=lambda r: r.key):
        plan.seen_keys.append(record.key)
        existing = stored.get(record.key)
        if record.deleted:
            if existing is not None and not existing.deleted:
                (plan.echo_deletes if record.key in echo_keys else plan.deletes).append((existing, record.key))
            else:
                counts.unchanged += 1
            continue
        digest = raw_hash(record.data, fingerprint)
        if existing is not None and not existing.deleted and existing.raw_hash == digest:
            counts.unchanged += 1
            continue
        to_build.append((record, digest))
    for problem in batch.problems:
        if problem.key is not None:
            plan.seen_keys.append(problem.key)  # still in the source: not a deletion
        plan.rejected.append(Rejected(problem.key, problem.raw, "read", problem.reason, problem.position))
    counts.read += len(batch.records)
    counts.deleted += len(plan.deletes)
    counts.echoes += len(plan.echo_deletes)
    return _Planned(batch, stored, plan, mapper.submit(to_build), {r.key for r in batch.records}, echo_keys)


def _complete(planned: _Planned, counts: StreamCounts) -> WritePlan:
    """Place the built records (insert, update, or content unchanged) into the batch's plan."""
    for result in planned.building.results():
        place_version(result, planned.stored, planned.plan, counts, planned.echo_keys)
    counts.quarantined += len(planned.plan.rejected)
    return planned.plan


def place_version(result: NewVersion | Rejected, stored: dict[str, Stored], plan: WritePlan,
                  counts: StreamCounts, echo_keys: set[str]) -> None:
    """Put a built record where it belongs in the batch's plan: insert, update, raw-only
    (content unchanged), echo, or quarantine; and count it."""
    if isinstance(result, Rejected):
        plan.rejected.append(result)
        return
    existing = stored.get(result.key)
    if existing is not None and result.key in echo_keys:
        plan.echoes.append((existing, result))
        counts.echoes += 1
    elif existing is None:
        plan.inserts.append(result)
        counts.new += 1
    elif existing.deleted or existing.content_hash != result.content_hash:
        plan.updates.append((existing, result))
        counts.changed += 1
    else:
        plan.raw_only.append((existing, result))
        counts.unchanged += 1


def ingest_stream(
    engine: Engine,
    connector: Connector[Any],
    connection: str,
    stream: str,
    mapping: CompiledMapping,
    run_id: int,
    options: IngestOptions | None = None,
    on_progress: ProgressFn | None = None,
    echoes: EchoFn | None = None,
) -> StreamCounts:
    """Read ``stream`` of ``connector`` since its saved state and store what changed.

    ``echoes`` (from ``crmhub.sync.echo.EchoFilter``) names the records that are the hub's own
    writes read back; they are stored but are not changes.
    """
    options = options or IngestOptions()
    counts = StreamCounts()
    with engine.connect() as conn, Mapper(mapping, options.workers) as mapper, gc_tuned():
        conn = immediate_writes(conn)  # each batch reads, then writes
        writer = StreamWriter(conn, connection, stream, run_id)
        in_flight: _Planned | None = None

        def write(planned: _Planned) -> None:
            plan = _complete(planned, counts)
            guard = None
            if planned.batch.snapshot_complete:
                guard = 1.01 if options.allow_mass_delete else options.mass_delete_guard
            with conn.begin():
                counts.deleted += writer.apply(plan, sweep_guard=guard)
            if on_progress:
                on_progress(counts)

        try:
            state = None if options.full_refresh else writer.load_state()
            for batch in _batches(connector.read(stream, state), options.batch_size):
                keys = [r.key for r in batch.records]
                if in_flight is not None and not in_flight.keys.isdisjoint(keys):
                    write(in_flight)  # the same record twice in a row: the older one first
                    in_flight = None
                stored = writer.lookup(keys)
                echo_keys = echoes(conn, batch.records) if echoes else set()
                conn.rollback()
                planned = _classify(batch, stored, mapper, mapping.fingerprint, counts, echo_keys)
                if in_flight is not None:
                    write(in_flight)  # ...while the workers build the next batch
                in_flight = planned
            if in_flight is not None:
                write(in_flight)
        finally:
            writer.close()
    return counts
