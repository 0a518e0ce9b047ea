"""The store side of partitioned matching: the plan and the pairs the partitions scored.

``match_partitions`` has one row per partition of the current plan (the model all of them
score with; when each was scored). ``match_partition_pairs`` holds the pairs scored at or
above the review threshold, with their weight and levels, until the run is finished.
A partition replaces its own pairs in one transaction, so a retried partition never
duplicates a pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.errors import UsageError
from crmhub.store.engine import write_transaction
from crmhub.store.schema import match_partition_pairs, match_partitions
from crmhub.store.types import utc_now

_WRITE_CHUNK = 5_000


class PartitionPlanError(UsageError):
    """A partition was scored or finished against no plan or another plan."""


@dataclass(frozen=True, slots=True)
class StagedPairs:
    """Pairs staged by the partitions: source record ids (a < b), weights, level rows."""

    a_ids: np.ndarray
    b_ids: np.ndarray
    weights: np.ndarray
    levels: np.ndarray  # (pairs, comparisons) int8


def write_plan(engine: Engine, partitions: int, version: str) -> None:
    """Replace any previous plan (and its staged pairs) with one of ``partitions`` rows."""
    now = utc_now()
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(match_partition_pairs))
        conn.execute(sa.delete(match_partitions))
        if partitions:
            conn.execute(
                sa.insert(match_partitions),
                [
                    {
                        "partition": p,
                        "partitions": partitions,
                        "model_version": version,
                        "planned_at": now,
                    }
                    for p in range(partitions)
                ],
            )


def clear_plan(engine: Engine) -> None:
    """Forget the plan and its staged pairs (after a finished run)."""
    write_plan(engine, 0, "")


def planned_model(engine: Engine, partition: int, partitions: int) -> str:
    """The model version partition ``partition`` of ``partitions`` scores with."""
    t = match_partitions.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.partitions, t.model_version).where(t.partition == partition)
        ).first()
    if row is None or row.partitions != partitions:
        planned = "no plan" if row is None else f"a plan of {row.partitions} partitions"
        raise PartitionPlanError(
            f"partition {partition} of {partitions} is not planned (the store holds {planned})",
            hint="run plan_partitions with the same number of partitions first",
        )
    return str(row.model_version)


def finished_plan(engine: Engine, partitions: int) -> tuple[str, int, datetime] | None:
    """(model version, candidate pairs, when planned) of a fully scored plan of
    ``partitions``; None when there is no plan. Raises :class:`PartitionPlanError` naming
    what is missing."""
    t = match_partitions.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.partition, t.partitions, t.model_version, t.pairs, t.planned_at)
        ).all()
    if not rows:
        return None
    if {r.partitions for r in rows} != {partitions} or len(rows) != partitions:
        raise PartitionPlanError(
            f"the planned run has {rows[0].partitions} partitions, not {partitions}",
            hint="finish with the number of partitions it was planned with",
        )
    unscored = sorted(r.partition for r in rows if r.pairs is None)
    if unscored:
        raise PartitionPlanError(
            f"partition(s) {unscored[:10]} of {partitions} are not scored yet",
            hint="run score_partition for each of them (or retry the failed tasks)",
        )
    return str(rows[0].model_version), sum(int(r.pairs) for r in rows), rows[0].planned_at


def save_partition(
    engine: Engine,
    partition: int,
    candidate_pairs: int,
    pairs: Sequence[tuple[int, int, float, str]],
) -> None:
    """Replace partition ``partition``'s staged pairs (a_id, b_id, weight, levels) and mark
    it scored with ``candidate_pairs``, all in one transaction."""
    t = match_partition_pairs.c
    rows = [
        {"a_id": a, "b_id": b, "partition": partition, "score": w, "levels": levels}
        for a, b, w, levels in pairs
    ]
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(match_partition_pairs).where(t.partition == partition))
        for start in range(0, len(rows), _WRITE_CHUNK):
            conn.execute(sa.insert(match_partition_pairs), rows[start : start + _WRITE_CHUNK])
        conn.execute(
            sa.update(match_partitions)
            .where(match_partitions.c.partition == partition)
            .values(scored_at=utc_now(), pairs=candidate_pairs)
        )


def load_staged_pairs(engine: Engine, n_comparisons: int) -> StagedPairs:
    """Every staged pair, by (a_id, b_id)."""
    t = match_partition_pairs.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.a_id, t.b_id, t.score, t.levels).order_by(t.a_id, t.b_id)
        ).all()
    levels = np.asarray([decode_levels(r.levels) for r in rows], dtype=np.int8)
    return StagedPairs(
        np.asarray([r.a_id for r in rows], dtype=np.int64),
        np.asarray([r.b_id for r in rows], dtype=np.int64),
        np.asarray([r.score for r in rows], dtype=np.float64),
        levels.reshape(len(rows), n_comparisons),
    )


def encode_levels(levels: Sequence[int]) -> str:
    """A pair's level per comparison as text ("0,2,-1")."""
    return ",".join(str(level) for level in levels)


def decode_levels(text: str) -> list[int]:
    """The inverse of :func:`encode_levels`."""
    return [int(part) for part in text.split(",")] if text else []
