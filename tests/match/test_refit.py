"""The refit policy (matching.refit_when_records_grow, unseen record kinds): when a normal run
fits a new model instead of reusing the stored one, and says why; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from crmhub.match.job import run_match
from crmhub.match.model import FellegiSunterModel
from crmhub.match.refit import live_records, refit_reason
from crmhub.match.store import latest_model, save_model
from tests.golden.conftest import SourceStore

from .population import Population, party_source
from .stored_population import CONNECTION, make_project


def model(priors: dict[str, float], **training: object) -> FellegiSunterModel:
    return FellegiSunterModel(comparisons=[], priors=priors, training=dict(training))


PERSONS = {"person": 0.01}


@pytest.mark.parametrize(
    ("live", "grow_by", "expected"),
    [
        ({"person": 199}, 2.0, ""),
        ({"person": 200}, 2.0, "live records grew from 100 to 200"),
        ({"person": 120}, 1.2, "(matching.refit_when_records_grow: 1.2)"),
        ({"person": 5_000}, None, ""),
        ({"person": 100, "organization": 3}, None, "no prior for organization records"),
        ({"person": 100, "organization": 0}, 2.0, ""),
    ],
)
def test_refit_reason(live: dict[str, int], grow_by: float | None, expected: str):
    reason = refit_reason(model(PERSONS, records=100), live, grow_by=grow_by)
    assert (expected in reason) if expected else reason == ""


def test_a_model_that_does_not_say_what_it_was_fitted_on_is_refitted():
    assert "does not say" in refit_reason(model(PERSONS), {"person": 1}, grow_by=2.0)
    assert refit_reason(model(PERSONS), {"person": 1}, grow_by=None) == ""


def test_the_setting_is_validated(tmp_path: Path):
    from crmhub.errors import CrmhubError

    with pytest.raises(CrmhubError, match="refit_when_records_grow"):
        make_project(tmp_path, "matching:\n  refit_when_records_grow: 0.5\n")
    off = make_project(tmp_path / "off", "matching:\n  refit_when_records_grow: null\n")
    assert off.config.matching.refit_when_records_grow is None


class Growing:
    """A store the population arrives in, slice by slice, as cycles read more systems."""

    def __init__(self, engine: sa.Engine, population: Population) -> None:
        self.engine, self.population = engine, population
        self.sources = SourceStore(engine)
        self.stored = 0

    def add(self, records: list[str]) -> None:
        rows = [
            (CONNECTION, rid, party_source(self.population.values[rid]), "2024-01-01")
            for rid in records
        ]
        self.sources.add_many(rows)
        self.stored += len(rows)

    def ids(self, kind: str | None = None) -> list[str]:
        return [r.id for r in self.population.records if kind in (None, r.kind)]


def fitted_on(engine: sa.Engine) -> int:
    stored = latest_model(engine)
    assert stored is not None
    return int(stored[1].training["records"])


def test_a_model_fitted_on_a_partial_first_cycle_is_refitted_once_records_double(
    store_engine: sa.Engine, population: Population, tmp_path: Path
):
    project = make_project(tmp_path)
    world = Growing(store_engine, population)
    ids = world.ids()
    world.add(ids[:300])
    first = run_match(project, store_engine)
    assert first.model_fitted and first.model_fit_reason == "no usable stored model"
    assert fitted_on(store_engine) == 300

    world.add(ids[300:500])  # 500 < 2 x 300: the stored model is kept
    kept = run_match(project, store_engine)
    assert kept.incremental and not kept.model_fitted and kept.model_fit_reason == ""

    world.add(ids[500:])
    grown = run_match(project, store_engine)

    assert grown.model_fitted and not grown.incremental
    assert grown.model_fit_reason == (
        f"live records grew from 300 to {len(ids):,} (matching.refit_when_records_grow: 2)"
    )
    assert grown.model_version != first.model_version
    assert fitted_on(store_engine) == len(ids)
    again = run_match(project, store_engine)
    assert again.incremental and not again.model_fitted and again.changed == 0


def test_a_new_record_kind_refits_and_the_policy_can_be_switched_off(
    store_engine: sa.Engine, population: Population, tmp_path: Path
):
    project = make_project(tmp_path, "matching:\n  refit_when_records_grow: null\n")
    world = Growing(store_engine, population)
    people = world.ids("person")
    world.add(people[:200])
    run_match(project, store_engine)
    world.add(people[200:])  # more than doubled, but the policy is off
    assert not run_match(project, store_engine).model_fitted

    world.add(world.ids("organization")[:40])
    report = run_match(project, store_engine)

    assert report.model_fitted and not report.incremental
    assert report.model_fit_reason == "the stored model has no prior for organization records"
    assert live_records(store_engine) == {"person": len(people), "organization": 40}


def test_full_keeping_the_model_does_not_refit_and_full_says_why(
    store_engine: sa.Engine, population: Population, tmp_path: Path
):
    project = make_project(tmp_path)
    world = Growing(store_engine, population)
    ids = world.ids()
    world.add(ids[:250])
    run_match(project, store_engine)
    world.add(ids[250:])

    kept = run_match(project, store_engine, full=True, refit=False)
    assert not kept.model_fitted and kept.model_fit_reason == ""
    full = run_match(project, store_engine, full=True)
    assert full.model_fitted and full.model_fit_reason == "asked for (--full)"


def test_a_refit_that_comes_out_the_same_records_its_new_count(store_engine: sa.Engine):
    first = model(PERSONS, records=10)
    version = save_model(store_engine, first)
    assert save_model(store_engine, model(PERSONS, records=40)) == version
    assert fitted_on(store_engine) == 40
