"""SIGKILL a sync of 200,000 rows mid-way, rerun it, and the store equals the store of an
uninterrupted run: no duplicate, no gap (issue: ingest proofs). On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmhub.store.schema import runs, source_records
from tests.e2e.conftest import store_rows

ROWS = 200_000
REPO = Path(__file__).parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "customers.csv"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate_customers.py"), "--rows", str(ROWS), "--out", str(path),
         "--seed", "11"],
        check=True, capture_output=True,
    )
    return path


# The invariant under test is the pipeline's (batches, state, locks, rerun), not normalisation:
# a light mapping keeps three 200k-row syncs affordable in CI. It still stores canonical records.
LIGHT_MAPPING = """
version: 1
kind: {from: TIPO, lookup: {persona: person, azienda: organization}, strict_lookup: true}
fields:
  organization.legal_name: {from: RAGIONE_SOCIALE, when: {field: TIPO, equals: azienda}}
  person.given_name: {from: NOME, when: {field: TIPO, equals: persona}}
  person.family_name: {from: COGNOME, when: {field: TIPO, equals: persona}}
  identifiers:
    - {scheme: {const: SYSTEM}, system: {const: erp}, raw: CODICE}
source_updated_at: {from: ULTIMA_MODIFICA, transform: [{datetime: "%d/%m/%Y %H:%M:%S"}]}
"""


def make_project(root: Path, export: Path, url: str) -> Path:
    subprocess.run([sys.executable, "-m", "crmhub.cli", "init", str(root)], check=True, capture_output=True)
    shutil.copy(export, root / "data" / "customers.csv")
    (root / "mappings" / "legacy_crm_customers.yaml").write_text(LIGHT_MAPPING)
    text = (root / "crmhub.yaml").read_text()
    (root / "crmhub.yaml").write_text(text.replace("version: 1\n", f"version: 1\ndatabase_url: {url}\n", 1))
    subprocess.run([sys.executable, "-m", "crmhub.cli", "--project", str(root), "db", "upgrade"], check=True,
                   capture_output=True)
    return root


def sync_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "crmhub.cli", "--project", str(root), "sync", "--all", "--workers", "2",
            "--batch-size", "2000"]


def count(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(source_records)).scalar_one()
    finally:
        engine.dispose()


def run_statuses(url: str) -> list[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(runs.c.status).order_by(runs.c.id)).scalars())
    finally:
        engine.dispose()


def test_sigkill_mid_sync_then_rerun_equals_an_uninterrupted_run(tmp_path, export, store_factory):
    crashed_url, reference_url = store_factory.new_url(), store_factory.new_url()
    crashed = make_project(tmp_path / "crashed", export, crashed_url)
    reference = make_project(tmp_path / "reference", export, reference_url)

    victim = subprocess.Popen(sync_command(crashed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 300
    while count(crashed_url) < ROWS // 4:
        assert victim.poll() is None, "the sync finished before it could be killed: raise ROWS"
        assert time.monotonic() < deadline
        time.sleep(0.2)
    os.killpg(victim.pid, signal.SIGKILL)  # the sync and its worker processes, mid-batch
    victim.wait()
    partial = count(crashed_url)
    assert ROWS // 4 <= partial < ROWS

    subprocess.run(sync_command(crashed), check=True, capture_output=True)
    subprocess.run(sync_command(reference), check=True, capture_output=True)

    assert count(crashed_url) == count(reference_url)
    assert store_rows(crashed_url) == store_rows(reference_url)
    assert run_statuses(crashed_url) == ["interrupted", "succeeded"]
