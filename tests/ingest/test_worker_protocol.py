"""The ingest's fast paths give exactly what the reference paths give.

* Worker processes send records and results in a compact form (``crmhub.ingest.wire``): on the
  benchmark's generated ERP export, every result put back together in the main process equals
  the one ``build_version`` makes in-process, rejections included.
* On SQLite, new records are inserted with one prepared statement over plain tuples
  (``StreamWriter._insert_prepared``): the stored rows are byte for byte what the generic
  SQLAlchemy insert stores.
* Through the whole ingest, with workers, on SQLite and PostgreSQL: the store holds what an
  ingest in one process stores, updates included.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from connectors.sdk import SourceRecord
from crmhub.ingest.builder import build_version
from crmhub.ingest.hashing import raw_hash
from crmhub.ingest.mapper import Mapper
from crmhub.ingest.writer import NewVersion, Rejected, StreamWriter
from crmhub.mapping.compiler import CompiledMapping
from crmhub.mapping.loader import load_mapping
from crmhub.store import start_run
from crmhub.store.engine import dumps_json
from tests.ingest.conftest import open_quarantine, stored, sync
from tests.ingest.memory_system import MemoryConfig, MemorySystem

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["Mario", "Giulia", "Luca", "Anna", "Marco", "Chiara", "Paolo"]
BENCH_MAPPING = ROOT / "bench" / "ingest" / "customers_mapping.yaml"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """1,200 rows of the benchmark's export, plus rows its mapping or validation refuses."""
    path = tmp_path_factory.mktemp("export") / "customers.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_customers.py"), "--rows", "1200",
         "--out", str(path), "--seed", "7"],
        check=True, capture_output=True,
    )
    with path.open(encoding="utf-8", newline="") as rows:
        data = list(csv.DictReader(rows, delimiter=";"))
    data[10] = {**data[10], "TIPO": "persona", "DATA_NASCITA": "31/04/1980"}  # no such date
    data[20] = {**data[20], "TIPO": "cliente"}  # not in the strict kind lookup
    data[30] = {**data[30], "ULTIMA_MODIFICA": "", "CONSENSO_MARKETING": "", "FIDO": ""}  # no updated_at
    data[40] = {**data[40], "TIPO": "azienda", "RAGIONE_SOCIALE": "", "EMAIL": "", "TELEFONO": ""}  # no name
    return data


@pytest.fixture(scope="module")
def bench_mapping() -> CompiledMapping:
    return load_mapping(BENCH_MAPPING)


def _items(rows: list[dict[str, str]], mapping: CompiledMapping) -> list[tuple[SourceRecord, str]]:
    return [
        (SourceRecord("customers", row["CODICE"], row, position=f"customers.csv line {i + 2}"),
         raw_hash(row, mapping.fingerprint))
        for i, row in enumerate(rows)
    ]


def test_worker_results_equal_the_in_process_results(export, bench_mapping):
    items = _items(export, bench_mapping)
    reference = [build_version(record, bench_mapping, digest) for record, digest in items]
    with Mapper(bench_mapping, workers=2) as mapper:
        from_workers = list(mapper.build(items))
    assert len(from_workers) == len(reference)
    for mine, theirs in zip(from_workers, reference, strict=True):
        if isinstance(theirs, NewVersion):
            assert isinstance(mine, NewVersion)
            assert mine.canonical_json == dumps_json(theirs.canonical)  # what SQLite stores
            assert _fields(mine) == _fields(theirs)  # ``canonical`` decoded on demand
            assert mine.canonical_json is None  # the dict was exposed: the writer dumps it again
            assert mine.raw is theirs.raw  # the main process's own copy, not a round trip
        else:
            assert mine == theirs
    refused = {r.key: r.stage for r in reference if isinstance(r, Rejected)}
    assert refused == {export[10]["CODICE"]: "map", export[20]["CODICE"]: "map",
                       export[40]["CODICE"]: "validate"}
    updated = {r.key: r.source_updated_at for r in reference if isinstance(r, NewVersion)}
    assert updated[export[30]["CODICE"]] is None


def _fields(version: NewVersion) -> dict[str, object]:
    return {f.name: getattr(version, f.name) for f in fields(NewVersion) if f.name != "canonical_json"}


def _stored_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM source_records ORDER BY id").fetchall()


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_prepared_insert_stores_what_the_generic_insert_stores(store_factory, export, bench_mapping):
    versions = [
        v for v in (build_version(r, bench_mapping, d) for r, d in _items(export[:300], bench_mapping))
        if isinstance(v, NewVersion)
    ]
    rome = ZoneInfo("Europe/Rome")
    versions[0] = replace(versions[0], source_updated_at=datetime(2024, 7, 1, 9, 30, 15, 120, tzinfo=rome))
    versions[1] = replace(versions[1], source_updated_at=None, display_name=None)
    half = len(versions) // 2  # half as a worker sends them (JSON ready), half as built here
    versions[half:] = [replace(v, canonical_json=dumps_json(v.canonical)) for v in versions[half:]]
    now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    paths = []
    for insert in ("_insert_generic", "_insert_prepared"):
        url = store_factory.new_url()
        engine = store_factory.new_engine(url=url)
        run_id = start_run(engine, "sync", "erp")
        with engine.connect() as conn:
            writer = StreamWriter(conn, "erp", "customers", run_id)
            with conn.begin():
                getattr(writer, insert)(versions, now)
        paths.append(Path(url.removeprefix("sqlite:///")))
    generic, prepared = (_stored_rows(p) for p in paths)
    assert len(generic) == len(versions)
    assert prepared == generic
    assert orjson.loads(prepared[-1][6]) == versions[-1].canonical


def test_worker_processes_store_what_one_process_stores_on_every_backend(store_engine, store_factory, mapping):
    system = MemorySystem(MemoryConfig(page_size=50))
    for i in range(450):
        system.put(f"K{i:03}", TIPO="P", NOME=NAMES[i % len(NAMES)], COGNOME="Rossi", EMAIL=f"n{i}@example.com",
                   TELEFONO=f"02 1234 {i:04}", DATA_NASCITA="01/02/1980")
    system.put("K010", DATA_NASCITA="31/04/1980")  # quarantined
    sync(store_engine, system, mapping, workers=2, batch_size=300)
    for i in range(20, 270):  # updates, built by the workers and written by ``_update``
        system.put(f"K{i:03}", NOME="Cambiato")
    sync(store_engine, system, mapping, workers=2, batch_size=300)
    reference = store_factory.new_engine()
    sync(reference, system, mapping, workers=0)
    assert stored(store_engine) == stored(reference)
    assert stored(store_engine)["K020"]["canonical"]["person"]["given_name"] == "Cambiato"
    assert [e.source_key for e in open_quarantine(store_engine)] == ["K010"]


def test_workers_fork_from_a_single_thread_and_use_a_forkserver_beside_other_threads():
    import threading

    from crmhub.ingest.mapper import _pool_context

    if threading.active_count() == 1:
        with _pool_context() as context:
            assert context.get_start_method() == "fork"
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        with _pool_context() as context:
            assert context.get_start_method() == "forkserver"
    finally:
        release.set()
        other.join()
