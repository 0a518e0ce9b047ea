"""`crmhub status`: revision, table counts, runs and connections, as rich tables."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from crmhub.store.engine import create_store_engine
from crmhub.store.runs import finish_run, start_run
from crmhub.store.schema import connection_state
from crmhub.store.types import utc_now

from .conftest import Invoke

PROJECT = """\
project: demo
connections:
  erp:
    type: catalog
    config: {directory: exports}
  crm:
    type: catalog
    config: {directory: exports}
"""


def test_status_of_an_unmigrated_store_exits_4(cli: Invoke, store_url: str) -> None:
    result = cli("--database-url", store_url, "status")
    assert result.exit_code == 4
    assert "revision none" in result.stdout
    assert "hint: run `crmhub db upgrade`" in result.stderr


def test_status_shows_runs_counts_and_connections(
    cli: Invoke, store_url: str, tmp_path: Path
) -> None:
    (tmp_path / "crmhub.yaml").write_text(PROJECT)
    assert cli("--database-url", store_url, "db", "upgrade").exit_code == 0
    engine = create_store_engine(store_url)
    try:
        good = start_run(engine, "sync", "erp")
        finish_run(engine, good, "succeeded", counts={"read": 21, "quarantined": 2})
        bad = start_run(engine, "sync", "legacy")
        finish_run(engine, bad, "failed", error="file export.csv not found")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(connection_state).values(
                    connection="erp",
                    stream="customers",
                    state={"cursor": "2026-11-01"},
                    run_id=good,
                    updated_at=utc_now(),
                )
            )
    finally:
        engine.dispose()

    result = cli("--project", str(tmp_path), "--database-url", store_url, "status")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for title in ("Tables", "Connections", "Recent runs"):
        assert title in text
    assert "source_records" in text and "golden_records" in text
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert (
        "succeeded" in rows["erp"] and "customers" in rows["erp"] and f"#{good} sync" in rows["erp"]
    )
    assert "never" in rows["crm"]  # configured, never run
    assert "failed" in rows["legacy (not configured)"]
    assert "read 21, quarantined 2" in text
    assert "file export.csv not found" in text
