"""``crmhub demo`` as a user meets it: --help, a demo without an ERP, a rebuild with --force,
and the folders it refuses to touch."""

from __future__ import annotations

import json

from connectors.testing.fake_salesforce import OTHER_USER_ID
from crmhub.demo.examples import golden_sources, goldens_by_ref
from crmhub.demo.salesforce import ORG_FILE
from crmhub.store.engine import create_store_engine

from .conftest import invoke, world_of


def test_help_explains_the_options_with_examples():
    result = invoke("--help")
    assert result.exit_code == 0
    for text in (
        "DIR",
        "--erp",
        "--size",
        "--seed",
        "--force",
        "--serve-salesforce",
        "crmhub demo --force",
        "salesforce-org.json",
    ):
        assert text in result.output


def test_without_an_erp_it_still_runs_the_cycle_and_force_rebuilds_it_from_scratch(tmp_path):
    root = tmp_path / "small"
    first = invoke(str(root), "--erp", "none", "--size", "12", "--seed", "5")
    assert first.exit_code == 0, first.output
    assert "left out" in first.output and "erp_clienti_hub" not in first.output
    engine = create_store_engine(f"sqlite:///{root / 'crmhub.db'}")
    try:
        world = world_of(12, 5)
        world.customers = [c for c in world.customers if c.systems != ("erp",)]
        by_ref = goldens_by_ref(world, golden_sources(engine))
        assert {r: len(g) for r, g in by_ref.items()} == {
            c.ref: 1 for c in world.customers if set(c.systems) - {"erp"}
        }
    finally:
        engine.dispose()

    again = invoke(str(root), "--erp", "none", "--size", "9", "--force")
    assert again.exit_code == 0, again.output
    state = json.loads((root / ORG_FILE).read_text("utf-8"))
    seeded = [r for r in state["records"]["Contact"] if r["CreatedById"] == OTHER_USER_ID]
    assert len(seeded) == len(world_of(9, 2026).contacts)  # the old org is gone, not added to


def test_a_project_that_is_not_a_demo_is_never_touched_even_with_force(tmp_path):
    (tmp_path / "crmhub.yaml").write_text("version: 1\nproject: real\n", "utf-8")
    (tmp_path / "crmhub.db").write_bytes(b"precious")
    result = invoke(str(tmp_path), "--erp", "none", "--force")
    assert result.exit_code == 2
    assert "not a demo" in result.output
    assert (tmp_path / "crmhub.db").read_bytes() == b"precious"


def test_a_store_chosen_by_environment_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from .conftest import demo_app

    env = {"COLUMNS": "200", "CRMHUB_DATABASE_URL": "postgresql://crm@prod/crm"}
    result = CliRunner().invoke(demo_app(), ["demo", str(tmp_path / "d"), "--erp", "none"], env=env)
    assert result.exit_code == 2
    assert "CRMHUB_DATABASE_URL" in result.output
    assert not (tmp_path / "d").exists()


def test_serving_salesforce_needs_a_demo(tmp_path):
    result = invoke(str(tmp_path), "--serve-salesforce")
    assert result.exit_code == 2
    assert "holds no crmhub demo" in result.output
