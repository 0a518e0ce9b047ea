"""Partitioned matching (Airflow): plan, score each partition, finish — on SQLite and
PostgreSQL, against a full run of the same seeded population."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from crmhub.errors import UsageError
from crmhub.golden.decisions import DIFFERENT, SAME
from crmhub.match.job import run_match
from crmhub.match.partition_store import PartitionPlanError
from crmhub.match.partitioned import finish_partitioned, plan_partitions, score_partition
from crmhub.match.sharing import owned_pairs, stable_key_hash
from crmhub.store.schema import match_partition_pairs, match_partitions

from .population import Population
from .stored_population import (
    clusters_by_key,
    decide,
    golden_by_cluster,
    make_project,
    store_population,
    stored_pairs,
)

PARTITIONS = 3


def seeded(store_factory, population: Population) -> tuple[sa.Engine, dict[str, int]]:  # type: ignore[no-untyped-def]
    """A fresh store holding the population, with two standing steward decisions."""
    engine = store_factory.new_engine()
    ids = store_population(engine, population)
    decide(engine, ids["E00001-0"], ids["E00001-1"], DIFFERENT)  # true duplicates kept apart
    decide(engine, ids["E00002-0"], ids["E00003-0"], SAME)  # two entities joined by a steward
    return engine, ids


def run_partitioned(project, engine: sa.Engine, partitions: int):  # type: ignore[no-untyped-def]
    parts = plan_partitions(project, engine, partitions)
    reports = [score_partition(project, engine, p, partitions) for p in parts]
    return reports, finish_partitioned(project, engine, partitions, actor="airflow")


def test_partitioned_run_equals_a_full_run(store_factory, population: Population, tmp_path: Path):  # type: ignore[no-untyped-def]
    project = make_project(tmp_path / "project")
    full_store, _ids = seeded(store_factory, population)
    full = run_match(project, full_store)
    part_store, _ = seeded(store_factory, population)

    scored, finished = run_partitioned(project, part_store, PARTITIONS)

    # each candidate pair scored by exactly one partition, all of them by some partition
    assert sum(r.candidate_pairs for r in scored) == full.candidate_pairs > 0
    assert all(r.candidate_pairs > 0 for r in scored)
    assert finished.candidate_pairs == full.candidate_pairs
    assert finished.model_version == full.model_version
    assert (finished.clusters, finished.merged, finished.to_review) == (
        full.clusters,
        full.merged,
        full.to_review,
    )
    assert clusters_by_key(part_store) == clusters_by_key(full_store)
    assert golden_by_cluster(part_store) == golden_by_cluster(full_store)
    assert stored_pairs(part_store) == stored_pairs(full_store)
    clusters = clusters_by_key(part_store)
    assert any(len(c) > 1 for c in clusters)
    assert not any({"E00001-0", "E00001-1"} <= c for c in clusters)  # the cannot-link
    assert any({"E00002-0", "E00003-0"} <= c for c in clusters)  # the must-link
    with part_store.connect() as conn:  # the plan is gone after the finish
        assert conn.execute(sa.select(sa.func.count()).select_from(match_partitions)).scalar() == 0


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_a_retried_partition_replaces_its_pairs(
    store_factory, population: Population, tmp_path: Path
):  # type: ignore[no-untyped-def]
    project = make_project(tmp_path / "project")
    engine, _ = seeded(store_factory, population)
    plan_partitions(project, engine, 2)
    first = score_partition(project, engine, 1, 2)
    again = score_partition(project, engine, 1, 2)  # an Airflow retry
    t = match_partition_pairs.c
    with engine.connect() as conn:
        staged = conn.execute(sa.select(t.a_id, t.b_id).where(t.partition == 1)).all()
    assert len(staged) == len(set(staged)) == first.pairs_staged == again.pairs_staged > 0

    with pytest.raises(PartitionPlanError, match=r"partition\(s\) \[0\] of 2 are not scored"):
        finish_partitioned(project, engine, 2)
    with pytest.raises(PartitionPlanError, match="not 3"):
        finish_partitioned(project, engine, 3)
    with pytest.raises(PartitionPlanError, match="partition 0 of 3 is not planned"):
        score_partition(project, engine, 0, 3)
    with pytest.raises(UsageError, match="partition 2 is not one of 0..1"):
        score_partition(project, engine, 2, 2)
    score_partition(project, engine, 0, 2)
    assert finish_partitioned(project, engine, 2).clusters > 0


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_finish_without_a_plan_names_the_missing_step(store_factory, population, tmp_path):  # type: ignore[no-untyped-def]
    project = make_project(tmp_path / "project")
    engine, _ = seeded(store_factory, population)
    with pytest.raises(UsageError, match="no partitioned match run is planned"):
        finish_partitioned(project, engine, 2)


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_an_empty_store_plans_no_partition(store_factory, tmp_path):  # type: ignore[no-untyped-def]
    project = make_project(tmp_path / "project")
    engine = store_factory.new_engine()
    assert plan_partitions(project, engine, 4) == []
    assert finish_partitioned(project, engine, 4).records == 0


def test_every_pair_is_owned_by_exactly_one_partition():
    rng = np.random.default_rng(3)
    rows = sorted({(int(r), f"f:{int(k)}") for r, k in rng.integers(0, [300, 120], (900, 2))})
    ids = np.asarray([r for r, _ in rows])
    hashes = np.asarray([stable_key_hash(k) for _, k in rows])
    holders: dict[str, list[int]] = {}
    for record, key in rows:
        holders.setdefault(key, []).append(record)
    cap = 6
    expected = {
        (a, b)
        for members in holders.values()
        if 2 <= len(members) <= cap
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    }
    for partitions in (1, 2, 5):
        got = []
        for p in range(partitions):
            a, b = owned_pairs(ids, hashes, cap, p, partitions)
            got += list(zip(a.tolist(), b.tolist()))
        assert len(got) == len(set(got))
        assert set(got) == expected


def test_key_hash_is_stable_across_processes():
    # a fixed value: Python's own hash() is salted per process and would split keys apart
    assert stable_key_hash("email:mario.rossi@example.it") == 8694576467911523650
