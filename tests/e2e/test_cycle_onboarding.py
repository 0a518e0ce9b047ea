"""Connecting a Salesforce org that already held customers: the Contacts a salesperson made are
matched to golden records but do not carry the hub's id, so the hub leaves them alone (never a
duplicate beside them). ``crmhub publish TARGET --unlinked-csv`` lists them for a one-time bulk
stamp; after it, the cycle keeps them in sync like the hub's own."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crmhub.cli import output
from crmhub.cli.main import app

from .cycle_world import EXT, World, golden_of, store_url_of

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]


def export_unlinked(world: World, engine: Engine, path: Path) -> list[dict[str, str]]:
    output.out.cache_clear()
    output.err.cache_clear()
    result = CliRunner().invoke(
        app,
        ["--project", str(world.root), "--database-url", store_url_of(engine),
         "publish", "sf_contacts", "--unlinked-csv", str(path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_unlinked_export_lists_each_matched_record_once_and_writes_nothing(
    world, store_engine, tmp_path
):
    project = world.project(store_url_of(store_engine))
    world.cycle(project, store_engine)
    writes_before = len(world.fake.writes)

    rows = export_unlinked(world, store_engine, tmp_path / "stamp.csv")

    assert sorted((r["key"], r[EXT]) for r in rows) == sorted(
        (sf_id, golden_of(store_engine, "salesforce", sf_id)) for sf_id in world.sf_ids
    )
    assert len(world.fake.writes) == writes_before
    assert all(world.contacts()[sf_id][EXT] is None for sf_id in world.sf_ids)


def test_once_stamped_the_records_are_the_hub_s_and_no_duplicate_is_made(
    world, store_engine, tmp_path
):
    project = world.project(store_url_of(store_engine))
    world.cycle(project, store_engine)
    contacts_before = len(world.contacts())

    for row in export_unlinked(world, store_engine, tmp_path / "stamp.csv"):
        world.salesperson_edits(row["key"], **{EXT: row[EXT]})  # the admin's one data load
    world.cycle(project, store_engine)  # reads the stamps
    settled = world.cycle(project, store_engine)

    (_, sf_step) = settled.publishes
    assert sf_step.report.plan.outcomes["unlinked"] == 0
    assert len(world.contacts()) == contacts_before
    assert export_unlinked(world, store_engine, tmp_path / "again.csv") == []
    assert {c[EXT] for c in world.contacts().values()} == {
        golden_of(store_engine, "salesforce", sf_id) for sf_id in world.contacts()
    }
