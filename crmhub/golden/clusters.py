"""Applying the matcher's clusters to the golden records, in batches.

    result = apply_clusters(engine, clusters, actor="matcher", run_id=run_id, policy=config.survivorship)

Each cluster is the complete set of source record ids describing one customer (see
``crmhub.golden.cluster_plan`` for what that means for the golden records and their ids).
Clusters are streamed: every ``batch_size`` source records, one transaction plans the batch,
moves the cross-references, creates and redirects golden records, recomputes every golden
record the batch names and appends one event per golden record that changed.

Idempotent: applying the same clusters again moves nothing, computes the same content,
writes nothing and records no event. It also recomputes golden records whose sources
changed, so the matcher's output after an ingest is all it needs.

A cluster that contradicts a steward's standing decision (a pair decided different inside
it, or a pair decided same cut by it) is refused and reported; its records are left alone.
Ids depend on batching only in one respect: a golden record split across clusters of
different batches is split batch by batch, so which part keeps its id may differ.
To check that clusters do not overlap across batches, the ids seen are kept in a set
(about 60 MB for 1M source records).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.golden.chunks import chunked
from crmhub.golden.cluster_plan import BatchPlan, GoldenState, plan_batch
from crmhub.golden.decisions import by_source, conflict, latest_decisions
from crmhub.golden.errors import InvalidClusters
from crmhub.golden.events import (
    CREATED,
    MERGED,
    REDIRECTED,
    UNMERGED,
    UPDATED,
    EventDraft,
    new_change_id,
    write_events,
)
from crmhub.golden.ids import new_golden_id
from crmhub.golden.policy import PolicyLike, SurvivorshipPolicy, as_policy
from crmhub.golden.records import (
    Link,
    load_links,
    load_members,
    lock_golden_stamps,
    set_redirects,
    write_links,
)
from crmhub.golden.refresh import refresh
from crmhub.store.engine import write_transaction
from crmhub.store.schema import source_records
from crmhub.store.types import utc_now

DEFAULT_BATCH_SIZE = 5_000  # source records per transaction
VIA_CLUSTER = "cluster"


@dataclass(frozen=True, slots=True)
class RefusedCluster:
    """A cluster that was not applied, and why."""

    members: frozenset[int]
    reason: str


@dataclass(slots=True)
class ClusterResult:
    """What ``apply_clusters`` did."""

    clusters: int = 0
    created: int = 0  # golden records created
    redirected: int = 0  # golden records merged into others
    written: int = 0  # golden records whose row changed (created ones included)
    events: int = 0
    skipped: int = 0  # clusters of deleted source records only: no customer to make
    refused: list[RefusedCluster] = field(default_factory=list)


def apply_clusters(
    engine: Engine,
    clusters: Iterable[Collection[int]],
    actor: str,
    run_id: int | None = None,
    *,
    policy: PolicyLike = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ClusterResult:
    """Make the golden records agree with ``clusters`` (see the module docstring).

    Raises :class:`InvalidClusters` for an empty cluster, a source record id in two clusters
    or an id the store does not hold (nothing of that batch is written).
    """
    compiled = as_policy(policy)
    result = ClusterResult()
    seen: set[int] = set()
    for batch in _batches(clusters, batch_size, seen):
        result.clusters += len(batch)
        with write_transaction(engine) as conn:
            _apply_batch(conn, batch, compiled, actor, run_id, result)
    return result


def _batches(
    clusters: Iterable[Collection[int]], batch_size: int, seen: set[int]
) -> Iterator[list[frozenset[int]]]:
    batch: list[frozenset[int]] = []
    size = 0
    for position, cluster in enumerate(clusters):
        members = _validated(cluster, position, seen)
        batch.append(members)
        size += len(members)
        if size >= batch_size:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _validated(cluster: Collection[int], position: int, seen: set[int]) -> frozenset[int]:
    try:
        members = frozenset(int(s) for s in cluster)
    except (TypeError, ValueError):
        raise InvalidClusters(
            f"cluster #{position} holds something that is not a source record id: {cluster!r}",
            hint="give each cluster as a set of source_records ids (integers)",
        ) from None
    if not members:
        raise InvalidClusters(f"cluster #{position} is empty", hint="leave empty clusters out")
    repeated = members & seen
    if repeated:
        raise InvalidClusters(
            f"cluster #{position}: source record(s) {sorted(repeated)[:5]} are in an earlier cluster too",
            hint="clusters must not overlap: each source record belongs to one customer",
        )
    seen |= members
    return members


def _apply_batch(
    conn: Connection,
    batch: list[frozenset[int]],
    policy: SurvivorshipPolicy,
    actor: str,
    run_id: int | None,
    result: ClusterResult,
) -> None:
    now = utc_now()
    deleted = _deleted_flags(conn, frozenset().union(*batch))
    _require_known(frozenset().union(*batch), deleted)
    batch = _acceptable(conn, batch, deleted, result)
    if not batch:
        return
    goldens, link_of, dead = _current_state(conn, batch, deleted)
    plan = plan_batch(batch, goldens, link_of, dead, new_golden_id)
    change = new_change_id()
    notes = _notes(plan, link_of, run_id, change)
    # Content first: a new golden record is inserted once, with its content, before the
    # links that point at it.
    drafts = refresh(
        conn,
        [g.golden_id for g in plan.groups],
        policy,
        now,
        notes,
        members=plan.members(),
        created=plan.new_ids,
    )
    _write_plan(conn, plan, link_of, now)
    for draft in drafts.values():  # records whose sources changed content, not membership
        draft.data.setdefault("change", change)
        draft.data.setdefault("run_id", run_id)
    redirected = [notes[gid] for gid in plan.redirects]
    write_events(conn, [*drafts.values(), *redirected], actor, now)
    result.created += len(plan.new_ids)
    result.redirected += len(plan.redirects)
    result.written += len(drafts) + len(plan.redirects)
    result.events += len(drafts) + len(redirected)


def _require_known(named: frozenset[int], deleted: dict[int, bool]) -> None:
    missing = sorted(named - deleted.keys())
    if missing:
        raise InvalidClusters(
            f"source record id(s) {missing[:5]} are not in the store"
            + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""),
            hint="clusters must name source_records ids of this store",
        )


def _current_state(
    conn: Connection, batch: list[frozenset[int]], deleted: dict[int, bool]
) -> tuple[dict[str, GoldenState], dict[int, str], set[int]]:
    """The golden records the batch touches (locked), every link of their members, and which
    of all these source records are tombstones."""
    links = load_links(conn, frozenset().union(*batch))
    involved = sorted({link.golden_id for link in links.values()})
    stamps = lock_golden_stamps(conn, involved)
    members = load_members(conn, involved)
    goldens = {
        gid: GoldenState(
            gid, stamps[gid].created_at, frozenset(k.source_record_id for k in members[gid])
        )
        for gid in involved
    }
    link_of = {link.source_record_id: gid for gid, linked in members.items() for link in linked}
    flags = {**deleted, **_deleted_flags(conn, link_of.keys() - deleted.keys())}
    return goldens, link_of, {sid for sid, is_deleted in flags.items() if is_deleted}


def _deleted_flags(conn: Connection, ids: Collection[int]) -> dict[int, bool]:
    """source record id -> deleted at its source (ids not in the store are absent)."""
    t = source_records.c
    found: dict[int, bool] = {}
    for chunk in chunked(sorted(ids)):
        for sid, deleted in conn.execute(sa.select(t.id, t.deleted).where(t.id.in_(chunk))):
            found[sid] = bool(deleted)
    return found


def _acceptable(
    conn: Connection, batch: list[frozenset[int]], deleted: dict[int, bool], result: ClusterResult
) -> list[frozenset[int]]:
    """The clusters that have a live source record and respect the stewards' decisions."""
    decisions_of = by_source(latest_decisions(conn, frozenset().union(*batch)))
    dead = {sid for sid, is_deleted in deleted.items() if is_deleted}
    accepted = []
    for cluster in batch:
        if cluster <= dead:
            result.skipped += 1
            continue
        reason = conflict(cluster, decisions_of, dead) if decisions_of else None
        if reason is not None:
            result.refused.append(RefusedCluster(cluster, reason))
            continue
        accepted.append(cluster)
    return accepted


def _write_plan(conn: Connection, plan: BatchPlan, link_of: dict[int, str], now: datetime) -> None:
    """Move the links (the new golden records exist by now) and write the redirects."""
    moves = [
        Link(sid, gid, now, VIA_CLUSTER)
        for sid, gid in sorted(plan.owner.items())
        if link_of.get(sid) != gid
    ]
    write_links(conn, moves, link_of.keys())
    set_redirects(conn, dict(plan.redirects), now)


def _notes(
    plan: BatchPlan, link_of: dict[int, str], run_id: int | None, change: str
) -> dict[str, EventDraft]:
    """The event kind and membership payload of every golden record whose members changed."""
    added: dict[str, list[list[object]]] = {}
    removed: dict[str, list[list[object]]] = {}
    for sid, gid in sorted(plan.owner.items()):
        before = link_of.get(sid)
        if before != gid:
            added.setdefault(gid, []).append([sid, before])
            if before is not None:
                removed.setdefault(before, []).append([sid, gid])
    merged_into: dict[str, list[str]] = {}
    for loser, survivor in sorted(plan.redirects.items()):
        merged_into.setdefault(survivor, []).append(loser)
    new = set(plan.new_ids)
    notes: dict[str, EventDraft] = {}
    for gid in sorted(added.keys() | removed.keys() | new):
        payload = {
            "change": change,
            "run_id": run_id,
            "added": added.get(gid, []),
            "removed": removed.get(gid, []),
            "merged": merged_into.get(gid, []),
        }
        if gid in plan.redirects:
            kind = REDIRECTED
            payload["redirect_to"] = plan.redirects[gid]
        elif gid in new:
            kind = CREATED
        elif payload["merged"] or any(before is not None for _sid, before in payload["added"]):
            kind = MERGED
        elif payload["removed"]:
            kind = UNMERGED
        else:
            kind = UPDATED
        notes[gid] = EventDraft(kind, gid, payload)
    return notes
