"""Incremental matching (the default of `crmhub match`) against a full rerun, on SQLite and
PostgreSQL: new, changed and deleted records, steward decisions, and a crash midway."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmhub.config.project import Project
from crmhub.golden.decisions import DIFFERENT, SAME
from crmhub.match import incremental, job
from crmhub.match.job import MatchReport, run_match
from crmhub.store.engine import write_transaction
from crmhub.store.schema import blocking_keys, match_records, runs
from tests.golden.conftest import SourceStore

from .population import Population, party_source
from .stored_population import (
    CONNECTION,
    clusters_by_key,
    decide,
    golden_by_cluster,
    make_project,
    stored_pairs,
)

FIRST_SHARE = 0.7


class Scenario:
    """A store matched once in full, then changed the way a sync changes it."""

    def __init__(self, engine: sa.Engine, project: Project, population: Population) -> None:
        self.engine, self.project, self.population = engine, project, population
        self.sources = SourceStore(engine)
        self.ids: dict[str, int] = {}

    def store(self, rids: list[str]) -> None:
        rows = [
            (CONNECTION, rid, party_source(self.population.values[rid]), "2024-01-01")
            for rid in rids
        ]
        self.ids.update(zip(rids, self.sources.add_many(rows)))

    def first_run(self) -> MatchReport:
        rids = [r.id for r in self.population.records]
        self.store(rids[: int(len(rids) * FIRST_SHARE)])
        report = run_match(self.project, self.engine)
        assert not report.incremental
        return report

    def sync(self, seed: int = 5) -> None:
        """New records (the rest of the population), changed and deleted ones."""
        rng = random.Random(seed)
        rids = [r.id for r in self.population.records]
        stored = list(self.ids)
        self.store(rids[int(len(rids) * FIRST_SHARE) :])
        for rid in rng.sample(stored, 15):  # a typo in the name or a new e-mail
            values = dict(self.population.values[rid])
            if values["kind"] == "person":
                values["family_name"] = str(values["family_name"])[:-1] + "x"
            values["emails"] = [f"new.{rid.lower()}@example.org"]
            self.sources.change(self.ids[rid], party_source(values), "2024-02-01")
        movers = rng.sample(stored, 5)  # now describe another customer: splits and merges
        for rid, other in zip(movers, rng.sample(rids, 5)):
            self.sources.change(
                self.ids[rid], party_source(self.population.values[other]), "2024-02-01"
            )
        for rid in rng.sample(stored, 8):
            self.sources.delete(self.ids[rid])

    def snapshot(self) -> tuple[object, object, object]:
        return (
            clusters_by_key(self.engine),
            golden_by_cluster(self.engine),
            stored_pairs(self.engine),
        )

    def assert_full_rerun_changes_nothing(self) -> None:
        """A full recompute with the same model finds exactly what the incremental run left."""
        before = self.snapshot()
        full = run_match(self.project, self.engine, full=True, refit=False)
        assert not full.incremental
        assert self.snapshot() == before
        assert (full.pairs_inserted, full.pairs_updated, full.pairs_deleted) == (0, 0, 0)
        assert (full.golden_changed, full.golden_events) == (0, 0)


@pytest.fixture
def scenario(store_engine: sa.Engine, population: Population, tmp_path: Path) -> Scenario:
    return Scenario(store_engine, make_project(tmp_path / "project"), population)


def test_incremental_run_equals_a_full_run(scenario: Scenario):
    first = scenario.first_run()
    scenario.sync()

    report = run_match(scenario.project, scenario.engine)

    assert report.incremental
    assert (
        report.changed
        == len(scenario.population.records)
        - int(len(scenario.population.records) * FIRST_SHARE)
        + 20
    )
    assert report.removed == 8
    assert 0 < report.records < first.records  # only the area around the changes was loaded
    assert report.golden_changed > 0
    scenario.assert_full_rerun_changes_nothing()
    assert run_match(scenario.project, scenario.engine).changed == 0  # nothing left to do


def test_a_rerun_without_changes_does_nothing(scenario: Scenario):
    scenario.first_run()
    report = run_match(scenario.project, scenario.engine)
    assert report.incremental
    assert (report.changed, report.removed, report.records, report.golden_events) == (0, 0, 0, 0)


def test_steward_decisions_are_obeyed_by_incremental_runs(scenario: Scenario):
    scenario.first_run()
    clusters = sorted(sorted(c) for c in clusters_by_key(scenario.engine) if len(c) > 1)
    merged_a, merged_b = clusters[0][:2]
    apart_a, apart_b = clusters[1][0], clusters[2][0]
    ids = scenario.ids
    decide(scenario.engine, ids[merged_a], ids[merged_b], DIFFERENT)
    decide(scenario.engine, ids[apart_a], ids[apart_b], SAME)

    report = run_match(scenario.project, scenario.engine)  # no record changed

    assert report.incremental and report.changed == 0 and report.golden_changed > 0
    after = clusters_by_key(scenario.engine)
    assert not any({merged_a, merged_b} <= c for c in after)
    assert any({apart_a, apart_b} <= c for c in after)
    scenario.sync()
    assert run_match(scenario.project, scenario.engine).incremental
    after = clusters_by_key(scenario.engine)
    assert not any({merged_a, merged_b} <= c for c in after)
    scenario.assert_full_rerun_changes_nothing()


def _crash(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("power cut")


@pytest.mark.parametrize(
    "where",
    [
        (incremental.IncrementalMatch, "_pairs"),  # blocking keys already replaced
        (job, "apply_clusters"),  # pairs written, golden records not
        (incremental, "mark_matched"),  # golden records applied, matched state not
    ],
    ids=["after-keys", "before-golden", "before-marking"],
)
def test_a_crashed_incremental_run_is_redone_consistently(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, where: tuple[object, str]
):
    scenario.first_run()
    scenario.sync()
    with monkeypatch.context() as patched:
        patched.setattr(*where, _crash)
        with pytest.raises(RuntimeError, match="power cut"):
            run_match(scenario.project, scenario.engine)
    with scenario.engine.connect() as conn:
        status = conn.execute(sa.select(runs.c.status).order_by(runs.c.id.desc())).first()
    assert status is not None and status[0] == "failed"

    report = run_match(scenario.project, scenario.engine)

    assert report.incremental and report.changed > 0
    scenario.assert_full_rerun_changes_nothing()


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_the_first_run_and_a_lost_model_are_full_runs(scenario: Scenario):
    scenario.first_run()
    with scenario.engine.connect() as conn:
        matched = conn.execute(sa.select(sa.func.count()).select_from(match_records)).scalar()
        keyed = conn.execute(
            sa.select(sa.func.count(sa.distinct(blocking_keys.c.source_record_id)))
        ).scalar()
    assert matched == len(scenario.ids) and keyed > 0
    with write_transaction(scenario.engine) as conn:
        conn.execute(sa.delete(match_records))
    assert not run_match(scenario.project, scenario.engine).incremental
