"""Steward decisions about pairs of source records, as the golden layer reads and writes them.

``steward_decisions`` is a history; the latest decision of a pair counts. A steward's merge
records "same" and an unmerge "different", so that the matcher (which reads them as must-link
and cannot-link constraints) keeps to them on every rerun; undoing restores each pair's
previous decision ("unsure" when it had none). ``apply_clusters`` refuses a cluster that
contradicts a standing decision rather than undo a steward's work.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmhub.golden.chunks import chunked
from crmhub.store.schema import steward_decisions

SAME, DIFFERENT, UNSURE = "same", "different", "unsure"

Pair = tuple[int, int]


def ordered(a: int, b: int) -> Pair:
    """The pair as the table stores it (smaller id first)."""
    return (a, b) if a < b else (b, a)


def latest_decisions(conn: Connection, source_ids: Collection[int]) -> dict[Pair, str]:
    """The standing decision of every pair that involves one of ``source_ids``."""
    t = steward_decisions.c
    latest: dict[Pair, tuple[datetime, int, str]] = {}
    ids = sorted(set(source_ids))
    for chunk in chunked(ids, 450):  # the chunk is bound twice
        rows = conn.execute(
            sa.select(t.a_id, t.b_id, t.decided_at, t.id, t.decision).where(
                sa.or_(t.a_id.in_(chunk), t.b_id.in_(chunk))
            )
        )
        for a, b, at, did, decision in rows:
            known = latest.get((a, b))
            if known is None or (at, did) > known[:2]:
                latest[(a, b)] = (at, did, decision)
    return {pair: found[2] for pair, found in latest.items()}


def record_decisions(
    conn: Connection,
    pairs: Sequence[Pair],
    decision: str,
    actor: str,
    comment: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Record ``decision`` for ``pairs``; returns ``[{"a", "b", "before"}]`` (the decision each
    pair had before, None if none) for the event that undoes this."""
    unique = sorted({ordered(a, b) for a, b in pairs if a != b})
    if not unique:
        return []
    before = latest_decisions(conn, {i for pair in unique for i in pair})
    restore_list = [{"a": a, "b": b, "before": before.get((a, b))} for a, b in unique]
    write_decisions(conn, [(a, b, decision) for a, b in unique], actor, comment, now)
    return restore_list


def write_decisions(
    conn: Connection,
    decisions: Iterable[tuple[int, int, str]],
    actor: str,
    comment: str | None,
    now: datetime,
) -> None:
    """Append (a, b, decision) rows (one executemany)."""
    rows = [
        {
            "a_id": ordered(a, b)[0],
            "b_id": ordered(a, b)[1],
            "decision": decision,
            "actor": actor,
            "comment": comment,
            "decided_at": now,
        }
        for a, b, decision in decisions
    ]
    if rows:
        conn.execute(sa.insert(steward_decisions), rows)


def restore_decisions(
    conn: Connection,
    recorded: Iterable[dict[str, Any]],
    actor: str,
    comment: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Put back the decisions listed by :func:`record_decisions`; returns the same kind of
    list for the decisions this replaces (so that undo can itself be undone)."""
    wanted = [(int(r["a"]), int(r["b"]), r["before"] or UNSURE) for r in recorded]
    if not wanted:
        return []
    current = latest_decisions(conn, {i for a, b, _ in wanted for i in (a, b)})
    replaced = [{"a": a, "b": b, "before": current.get((a, b))} for a, b, _ in wanted]
    write_decisions(conn, wanted, actor, comment, now)
    return replaced


def by_source(decisions: dict[Pair, str]) -> dict[int, list[tuple[Pair, str]]]:
    """The decisions indexed by each of their two source record ids."""
    index: dict[int, list[tuple[Pair, str]]] = {}
    for pair, decision in sorted(decisions.items()):
        for source_id in pair:
            index.setdefault(source_id, []).append((pair, decision))
    return index


def conflict(
    members: frozenset[int], decisions_of: dict[int, list[tuple[Pair, str]]], dead: Collection[int]
) -> str | None:
    """Why grouping exactly ``members`` contradicts a standing decision, or None.

    A pair decided "different" must not be inside; a pair decided "same" must not be cut
    (unless the outside one is deleted at its source: it no longer takes part).
    ``decisions_of`` is :func:`by_source` of the standing decisions.
    """
    for member in sorted(members):
        for (a, b), decision in decisions_of.get(member, ()):
            a_in, b_in = a in members, b in members
            if decision == DIFFERENT and a_in and b_in:
                return f"source records {a} and {b} were decided different by a steward"
            if decision == SAME and a_in != b_in and (b if a_in else a) not in dead:
                return f"source records {a} and {b} were decided the same by a steward"
    return None
