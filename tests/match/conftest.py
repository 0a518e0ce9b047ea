"""Shared fixtures: a seeded population and a model fitted on it (fitted once per session)."""

from __future__ import annotations

import pytest

from crmhub.match import FellegiSunterModel, MatchEngine, MatchSettings

from .population import Population, build

#: Settings for tests: fewer random pairs for u than production, same everything else.
TEST_SETTINGS = MatchSettings(u_sample_pairs=100_000)


@pytest.fixture(scope="session")
def population() -> Population:
    return build()


@pytest.fixture(scope="session")
def fitted_model(population: Population) -> FellegiSunterModel:
    engine = MatchEngine(TEST_SETTINGS)
    engine.add(population.records)
    return engine.fit()


@pytest.fixture()
def engine(population: Population, fitted_model: FellegiSunterModel) -> MatchEngine:
    """A fresh engine holding the population, using the session's model."""
    engine = MatchEngine(TEST_SETTINGS, model=fitted_model)
    engine.add(population.records)
    return engine
