"""Mapping workers start only when a batch needs building: an unchanged rerun, incremental or
full, starts no processes (on a small file, starting them was most of the rerun's time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from crmhub.ingest import mapper as mapper_module
from tests.ingest.conftest import stored, sync
from tests.ingest.memory_system import MemoryConfig, MemorySystem


@pytest.fixture
def pools_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The start method of every worker pool started during the test, in order."""
    started: list[str] = []
    real = mapper_module._pool_context

    @contextmanager
    def recording() -> Iterator[Any]:
        with real() as context:
            started.append(context.get_start_method())
            yield context

    monkeypatch.setattr(mapper_module, "_pool_context", recording)
    return started


def _system() -> MemorySystem:
    system = MemorySystem(MemoryConfig(page_size=100))
    for i in range(450):
        system.put(f"K{i:03}", TIPO="P", NOME="Anna", COGNOME="Rossi", EMAIL=f"n{i}@example.com")
    return system


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_an_unchanged_rerun_starts_no_worker_processes(store_engine, mapping, pools_started):
    system = _system()
    first = sync(store_engine, system, mapping, workers=2, batch_size=300)
    assert first.new == 450
    assert len(pools_started) == 1  # the first load needed the workers
    before = stored(store_engine)

    pools_started.clear()
    again = sync(store_engine, system, mapping, workers=2, batch_size=300)
    full = sync(store_engine, system, mapping, workers=2, batch_size=300, full_refresh=True)

    assert (again.read, again.new, again.changed) == (0, 0, 0)
    assert (full.read, full.unchanged, full.new, full.changed) == (450, 450, 0, 0)
    assert pools_started == []
    assert stored(store_engine) == before


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_a_few_changes_are_built_in_process_and_many_start_the_workers(store_engine, mapping, pools_started):
    system = _system()
    sync(store_engine, system, mapping, workers=2, batch_size=500)
    pools_started.clear()

    for i in range(10):  # below the batch size worth sending to workers
        system.put(f"K{i:03}", NOME="Cambiato")
    assert sync(store_engine, system, mapping, workers=2, batch_size=500).changed == 10
    assert pools_started == []

    for i in range(300):
        system.put(f"K{i:03}", NOME="Ancora")
    assert sync(store_engine, system, mapping, workers=2, batch_size=500).changed == 300
    assert len(pools_started) == 1
    assert stored(store_engine)["K299"]["canonical"]["person"]["given_name"] == "Ancora"
