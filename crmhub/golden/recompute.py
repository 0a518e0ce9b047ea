"""Recomputing golden records after their source records changed (or the policy did).

    changed = golden_ids_of_sources(engine, source_ids_changed_by_the_run)
    recompute(engine, changed, actor="crmhub", run_id=run_id, policy=policy)
    recompute(engine, None, actor="crmhub", policy=new_policy)     # every golden record

A changed source record changes its golden record; a source record deleted at its source no
longer contributes (it stays linked, as the tombstone of that system's key); a golden record
left with no live source is retired (kept, with its last data), and restored when a source
comes back. Only records whose content changed are written, each with one event.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.golden.chunks import chunked
from crmhub.golden.events import RESTORED, RETIRED, new_change_id, write_events
from crmhub.golden.policy import PolicyLike, as_policy
from crmhub.golden.records import current_row
from crmhub.golden.refresh import refresh
from crmhub.store.engine import write_transaction
from crmhub.store.schema import golden_records, xref
from crmhub.store.types import utc_now

DEFAULT_BATCH_SIZE = 2_000  # golden records per transaction


@dataclass(slots=True)
class RecomputeResult:
    """What ``recompute`` did."""

    checked: int = 0
    written: int = 0  # records whose content changed (retired and restored ones included)
    retired: int = 0
    restored: int = 0


def recompute(
    engine: Engine,
    golden_ids: Collection[str] | None,
    actor: str,
    run_id: int | None = None,
    *,
    policy: PolicyLike = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RecomputeResult:
    """Recompute ``golden_ids`` (redirects followed; None: every record in use) from their
    sources, in batches of ``batch_size`` per transaction."""
    compiled = as_policy(policy)
    result = RecomputeResult()
    change = new_change_id()
    batches = (
        _all_live_ids(engine, batch_size)
        if golden_ids is None
        else _resolved(engine, golden_ids, batch_size)
    )
    for batch in batches:
        with write_transaction(engine) as conn:
            now = utc_now()
            drafts = refresh(conn, batch, compiled, now)
            for draft in drafts.values():
                draft.data.update(change=change, run_id=run_id, why="sources changed")
            write_events(conn, list(drafts.values()), actor, now)
        result.checked += len(batch)
        result.written += len(drafts)
        result.retired += sum(d.kind == RETIRED for d in drafts.values())
        result.restored += sum(d.kind == RESTORED for d in drafts.values())
    return result


def _resolved(engine: Engine, golden_ids: Collection[str], batch_size: int) -> Iterator[list[str]]:
    """The records in use that ``golden_ids`` stand for, in batches (unknown ids raise)."""
    wanted = sorted(set(golden_ids))
    live: set[str] = set()
    with engine.connect() as conn:
        for chunk in chunked(wanted):
            g = golden_records.c
            found = dict(conn.execute(sa.select(g.id, g.redirect_to).where(g.id.in_(chunk))).all())
            for gid in chunk:
                if gid in found and found[gid] is None:
                    live.add(gid)
                else:  # redirected or unknown: follow, or raise GoldenRecordNotFound
                    live.add(current_row(conn, gid).id)
    ordered = sorted(live)
    for start in range(0, len(ordered), batch_size):
        yield ordered[start : start + batch_size]


def _all_live_ids(engine: Engine, batch_size: int) -> Iterator[list[str]]:
    """Every golden record in use, in id order, a batch at a time (keyset pagination)."""
    g = golden_records.c
    after = ""
    while True:
        with engine.connect() as conn:
            batch = list(
                conn.execute(
                    sa.select(g.id)
                    .where(g.redirect_to.is_(None), g.id > after)
                    .order_by(g.id)
                    .limit(batch_size)
                ).scalars()
            )
        if not batch:
            return
        yield batch
        after = batch[-1]


def golden_ids_of_sources(engine: Engine, source_ids: Collection[int]) -> set[str]:
    """The golden records the source records with ``source_ids`` belong to."""
    x = xref.c
    found: set[str] = set()
    with engine.connect() as conn:
        for chunk in chunked(sorted(set(source_ids))):
            found.update(
                conn.execute(sa.select(x.golden_id).where(x.source_record_id.in_(chunk))).scalars()
            )
    return found
