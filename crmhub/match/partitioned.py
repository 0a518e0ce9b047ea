"""Partitioned matching, for Airflow's dynamic task mapping (tasks may run on other machines).

    parts = plan_partitions(project, engine, 8)          # one task: fit/choose the model,
                                                         # store keys and the plan
    score_partition(project, engine, p, 8)  for p in parts  # mapped tasks, in parallel
    report = finish_partitioned(project, engine, 8)      # one task: cluster and apply

The candidate pairs are split by blocking key (:mod:`crmhub.match.sharing`): each pair is
scored by exactly one partition, even when several keys produce it, and the union is the
full run's candidate set. Everything passes through the store: the plan names the model,
the partitions read the stored blocking keys, load only the records their pairs need and
stage their pairs at or above the review threshold; the finish clusters them with the
stewards' decisions exactly as :func:`crmhub.match.job.run_match` does, so the clusters and
golden records are the same as a full run's on the same records.

A retried partition replaces its own staged pairs in one transaction (never duplicates).
Records synced between the plan and the finish are matched by the next run.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy.engine import Engine

from crmhub.config.project import Project
from crmhub.errors import UsageError
from crmhub.match.blocking import BlockingStats
from crmhub.match.engine import MatchEngine, MatchResult
from crmhub.match.job import (
    MatchReport,
    apply_result,
    choose_model,
    keys_by_source,
    loaded_engine,
    match_constraints,
    match_record,
    recorded_match_run,
    settings_from_config,
    write_result,
)
from crmhub.match.partition_store import (
    clear_plan,
    encode_levels,
    finished_plan,
    load_staged_pairs,
    planned_model,
    save_partition,
    write_plan,
)
from crmhub.match.scoring import ScoredPairs, weight_of
from crmhub.match.sharing import key_columns, owned_pairs
from crmhub.match.store import (
    iter_blocking_keys,
    load_canonical,
    load_steward_decisions,
    model_by_version,
    sync_blocking_keys,
)
from crmhub.store.locks import connection_lock
from crmhub.store.types import utc_now

#: Pairs compared and scored per batch inside a partition (bounds its memory).
SCORE_BATCH = 200_000


@dataclass
class PartitionReport:
    """What one partition did (small and JSON-able, for an Airflow XCom)."""

    partition: int
    partitions: int
    candidate_pairs: int = 0  # pairs this partition owns and compared
    pairs_staged: int = 0  # of them, at or above the review threshold
    records_loaded: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, object]:
        """The report as a dict."""
        return asdict(self)


def plan_partitions(
    project: Project, engine: Engine, partitions: int, *, full: bool = False
) -> list[int]:
    """Choose (or, with ``full`` or none usable, fit and store) the model once, store every
    live record's blocking keys and a plan of ``partitions``; returns the partition numbers
    to map tasks over (none when there is no record to match)."""
    _check_partitions(partitions)
    with connection_lock(engine, "match"):
        matcher = loaded_engine(project, engine)
        if not matcher.table.active.any():
            write_plan(engine, 0, "")
            return []
        decisions = load_steward_decisions(engine)
        grow = None if full else project.config.matching.refit_when_records_grow
        version = choose_model(engine, matcher, full, decisions, grow).version
        sync_blocking_keys(engine, keys_by_source(matcher))
        write_plan(engine, partitions, version)
    return list(range(partitions))


def score_partition(
    project: Project, engine: Engine, partition: int, partitions: int
) -> PartitionReport:
    """Score the candidate pairs partition ``partition`` owns and stage those at or above the
    review threshold in the store (replacing what an earlier try of it staged)."""
    _check_partitions(partitions)
    if not 0 <= partition < partitions:
        raise UsageError(
            f"partition {partition} is not one of 0..{partitions - 1}",
            hint="map the tasks over the list plan_partitions returned",
        )
    report = PartitionReport(partition, partitions)
    started = time.perf_counter()
    version = planned_model(engine, partition, partitions)
    settings = settings_from_config(project.config.matching)
    ids, hashes = key_columns(iter_blocking_keys(engine))
    a_ids, b_ids = owned_pairs(ids, hashes, settings.key_cap, partition, partitions)
    report.seconds["keys"] = round(time.perf_counter() - started, 3)
    matcher = MatchEngine(settings, model=model_by_version(engine, version))
    report.records_loaded = matcher.add(
        match_record(sid, canonical)
        for sid, canonical in load_canonical(engine, np.r_[a_ids, b_ids].tolist())
    )
    staged, report.candidate_pairs = _score(matcher, a_ids, b_ids)
    report.pairs_staged = len(staged)
    save_partition(engine, partition, report.candidate_pairs, staged)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    return report


def _score(
    matcher: MatchEngine, a_ids: np.ndarray, b_ids: np.ndarray
) -> tuple[list[tuple[int, int, float, str]], int]:
    """(staged rows at or above the review threshold, pairs compared) of the owned pairs
    whose records are both still live and comparable."""
    table = matcher.table
    present = np.fromiter(
        (str(a) in table and str(b) in table for a, b in zip(a_ids.tolist(), b_ids.tolist())),
        dtype=bool,
        count=a_ids.size,
    )
    left = np.fromiter((table.row_of(str(a)) for a in a_ids[present].tolist()), np.int64)
    right = np.fromiter((table.row_of(str(b)) for b in b_ids[present].tolist()), np.int64)
    ok = matcher.allowed(left, right)
    left, right = left[ok], right[ok]
    floor = weight_of(matcher.settings.review_threshold)
    staged: list[tuple[int, int, float, str]] = []
    for start in range(0, left.size, SCORE_BATCH):
        scored = matcher.scorer.score(
            table, left[start : start + SCORE_BATCH], right[start : start + SCORE_BATCH]
        )
        keep = np.flatnonzero(scored.weight >= floor)
        for k in keep.tolist():
            staged.append(
                (
                    int(table.ids[scored.left[k]]),
                    int(table.ids[scored.right[k]]),
                    float(scored.weight[k]),
                    encode_levels(scored.gamma[k].tolist()),
                )
            )
    return staged, int(left.size)


def finish_partitioned(
    project: Project, engine: Engine, partitions: int, actor: str = "crmhub"
) -> MatchReport:
    """Cluster the staged pairs with the stewards' decisions and vetoes, write the pairs and
    apply the golden records, like :func:`~crmhub.match.job.run_match`; then drop the plan.

    Raises :class:`~crmhub.match.partition_store.PartitionPlanError` when a partition is not
    scored yet or the plan had another number of partitions."""
    _check_partitions(partitions)

    def body(report: MatchReport) -> None:
        _finish(project, engine, partitions, actor, report)

    return recorded_match_run(engine, body)


def _finish(
    project: Project, engine: Engine, partitions: int, actor: str, report: MatchReport
) -> None:
    result, planned_at = _clustered_and_written(project, engine, partitions, report)
    apply_result(project, engine, result, report, actor, planned_at)
    clear_plan(engine)


def _clustered_and_written(
    project: Project, engine: Engine, partitions: int, report: MatchReport
) -> tuple[MatchResult, datetime]:
    """Cluster the staged pairs and write them and the keys; the result and when the run was
    planned. The engine is freed on return, before the clusters are applied."""
    started = time.perf_counter()
    plan = finished_plan(engine, partitions)
    matcher = loaded_engine(project, engine)
    report.records = int(matcher.table.active.sum())
    if plan is None and report.records:
        raise UsageError(
            "no partitioned match run is planned",
            hint="run plan_partitions, then score_partition for each partition",
        )
    decisions = load_steward_decisions(engine)
    version, candidates, planned_at = plan or ("", 0, utc_now())
    if version:
        matcher.use_model(model_by_version(engine, version))
    report.model_version, report.candidate_pairs = version, candidates
    report.seconds["load"] = round(time.perf_counter() - started, 3)
    if version:
        pairs = _staged_scored_pairs(engine, matcher)
    else:
        pairs = ScoredPairs.concat([], len(matcher.comparisons))
    constraints, _ = match_constraints(project, engine, decisions, report)
    result = matcher.run_scored(pairs, BlockingStats(candidate_pairs=candidates), constraints)
    write_result(engine, matcher, result, decisions, report)
    return result, planned_at


def _staged_scored_pairs(engine: Engine, matcher: MatchEngine) -> ScoredPairs:
    """The staged pairs as rows of ``matcher``'s table (pairs of records gone since left out)."""
    staged = load_staged_pairs(engine, len(matcher.comparisons))
    table = matcher.table
    live = np.fromiter(
        (
            str(a) in table and str(b) in table
            for a, b in zip(staged.a_ids.tolist(), staged.b_ids.tolist())
        ),
        dtype=bool,
        count=staged.a_ids.size,
    )
    left = np.fromiter((table.row_of(str(a)) for a in staged.a_ids[live].tolist()), np.int64)
    right = np.fromiter((table.row_of(str(b)) for b in staged.b_ids[live].tolist()), np.int64)
    ok = matcher.allowed(left, right)
    return ScoredPairs(left[ok], right[ok], staged.levels[live][ok], staged.weights[live][ok])


def _check_partitions(partitions: int) -> None:
    if partitions < 1:
        raise UsageError(
            f"partitions must be at least 1, not {partitions}",
            hint="set matching.partitions in crmhub.yaml (default 1)",
        )
