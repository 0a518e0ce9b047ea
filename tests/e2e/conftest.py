"""End-to-end fixtures: a real project made by ``crmhub init``, driven through the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from crmhub.cli import output
from crmhub.cli.main import app
from crmhub.store.schema import quarantine, source_records

from .cycle_world import erp_world, world  # noqa: F401 - the cycle tests' fixtures

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    output.out.cache_clear()
    output.err.cache_clear()


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> Path:
    """A demo project (``crmhub init``) whose store is the test's database, migrated."""
    root = tmp_path / "demo"
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    text = (root / "crmhub.yaml").read_text()
    (root / "crmhub.yaml").write_text(text.replace("version: 1\n", f"version: 1\ndatabase_url: {store_url}\n", 1))
    result = runner.invoke(app, ["--project", str(root), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def crmhub(project: Path) -> Run:
    """``crmhub --project <demo> ARGS...`` in-process."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        output.out.cache_clear()
        output.err.cache_clear()
        return runner.invoke(app, ["--project", str(project), *args])

    return run


def store_rows(url: str) -> dict[str, tuple[str | None, bool]]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    t = source_records.c
    try:
        with engine.connect() as conn:
            return {k: (h, bool(d)) for k, h, d in conn.execute(sa.select(t.source_key, t.content_hash, t.deleted))}
    finally:
        engine.dispose()


def open_quarantine(url: str) -> list[sa.Row]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(quarantine).where(quarantine.c.resolved_at.is_(None))))
    finally:
        engine.dispose()
