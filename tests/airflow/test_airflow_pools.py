"""One Airflow pool per connection, sized by max_parallel: created and updated in Airflow's
metadata database, or written as the JSON ``airflow pools import`` reads; and the
``crmhub airflow`` commands that show and apply them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from crmhub.cli import airflow_cmd, output
from crmhub.orchestration.plan import PoolSpec
from crmhub.orchestration.pools import apply_pools, pools_json

PROJECT = """\
project: pooled
connections:
  erp:
    type: file
    config: {streams: {customers: {path: data/erp.csv, key: [id]}}}
    max_parallel: 3
    schedule: "@hourly"
    streams: {customers: {mapping: mappings/erp.yaml}}
  mailer:
    type: file
    config: {streams: {out: {path: data/out.csv, key: [id]}}}
"""
MAPPING = "version: 1\nkind: {const: person}\nfields:\n  person.given_name: name\n"


def airflow_pools() -> dict[str, int]:
    from airflow.models.pool import Pool

    return {pool.pool: pool.slots for pool in Pool.get_pools()}


@pytest.fixture
def crmhub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``crmhub("airflow", ...)`` on a project with two connections, one of them write-only."""
    (tmp_path / "crmhub.yaml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "erp.yaml").write_text(MAPPING, encoding="utf-8")
    monkeypatch.setenv("CRMHUB_PROJECT", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    output.out.cache_clear()
    root = typer.Typer()
    root.callback()(lambda: None)
    root.add_typer(airflow_cmd.app, name="airflow")
    runner = CliRunner()
    return lambda *args: runner.invoke(root, list(args))


def test_pools_are_created_then_left_alone_then_resized(airflow_db):
    pools = [PoolSpec("crmhub_t_erp", 3, "erp"), PoolSpec("crmhub_t_crm", 1, "crm")]

    first = apply_pools(pools)
    again = apply_pools(pools)
    resized = apply_pools([PoolSpec("crmhub_t_erp", 5, "erp")])

    assert [c.action for c in first] == ["created", "created"]
    assert [c.action for c in again] == ["unchanged", "unchanged"]
    assert [(c.action, c.previous_slots, c.slots) for c in resized] == [("updated", 3, 5)]
    assert {k: v for k, v in airflow_pools().items() if k.startswith("crmhub_t_")} == {
        "crmhub_t_erp": 5,
        "crmhub_t_crm": 1,
    }


def test_the_json_is_what_airflow_pools_import_reads(airflow_db, tmp_path):
    from airflow.cli.commands.pool_command import pool_import_helper

    path = tmp_path / "pools.json"
    path.write_text(pools_json([PoolSpec("crmhub_j_erp", 4, "crmhub pooled: erp")]))

    imported, failed = pool_import_helper(str(path))

    assert failed == [] and len(imported) == 1
    assert airflow_pools()["crmhub_j_erp"] == 4


def test_airflow_dags_lists_every_generated_dag(crmhub):
    result = crmhub("airflow", "dags")

    assert result.exit_code == 0, result.output
    assert "crmhub_ingest_erp" in result.stdout and "@hourly" in result.stdout
    assert "crmhub_match" in result.stdout
    assert "crmhub_ingest_mailer" not in result.stdout  # no stream to read
    assert "x-crmhub://pooled/golden_records" in result.stdout


def test_airflow_pools_json_to_stdout(crmhub):
    result = crmhub("airflow", "pools", "--json", "-")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {name: spec["slots"] for name, spec in document.items()} == {
        "crmhub_erp": 3,
        "crmhub_mailer": 1,
    }


def test_airflow_pools_applies_them(crmhub, airflow_db):
    dry = crmhub("airflow", "pools", "--dry-run")
    assert dry.exit_code == 0 and "crmhub_erp" in dry.stdout

    result = crmhub("airflow", "pools")

    assert result.exit_code == 0, result.output
    assert "2 pool(s) in Airflow" in result.stdout
    assert airflow_pools()["crmhub_erp"] == 3


def test_help_shows_examples(crmhub):
    result = crmhub("airflow", "pools", "--help")
    assert result.exit_code == 0
    assert "airflow pools import pools.json" in result.stdout


def test_pools_json_is_stable_yaml_free_text():
    text = pools_json([PoolSpec("b", 2, "B"), PoolSpec("a", 1, "A")])
    assert list(json.loads(text)) == ["a", "b"]
    assert yaml.safe_load(text)["a"] == {"slots": 1, "description": "A", "include_deferred": False}
