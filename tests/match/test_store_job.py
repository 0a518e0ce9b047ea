"""The match job on a real store (SQLite and PostgreSQL): the demo project made by
``crmhub init``, synced and matched through the command line as a user runs it."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmhub.cli import main, match_cmd
from crmhub.config.models import BlockingFamily, MatchingConfig
from crmhub.config.project import load_project
from crmhub.golden.decisions import DIFFERENT, SAME, write_decisions
from crmhub.match import job
from crmhub.match.blocking import KEY_FAMILIES
from crmhub.match.explain import PairExplanation
from crmhub.match.job import KEY_FAMILIES_OF, explain_records, run_match, settings_from_config
from crmhub.match.model import FellegiSunterModel
from crmhub.match.store import latest_model, save_model
from crmhub.store import connection_lock, create_store_engine
from crmhub.store.engine import write_transaction
from crmhub.store.schema import blocking_keys, events, match_pairs, runs, source_records, xref
from crmhub.store.types import utc_now
from tests.e2e.conftest import crmhub, project, wide_console  # noqa: F401 - fixtures

# Until the lead wires `match` into crmhub.cli.main, register it here (once).
if not any(group.name == "match" for group in main.app.registered_groups):
    main.app.add_typer(match_cmd.app, name="match")

KEY = "legacy_crm/customers/"


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def synced(crmhub):  # type: ignore[no-untyped-def]  # noqa: F811
    result = crmhub("sync", "--all")
    assert result.exit_code == 0, result.output
    return crmhub


def ids_by_key(engine: sa.Engine) -> dict[str, int]:
    t = source_records.c
    with engine.connect() as conn:
        return {key: sid for sid, key in conn.execute(sa.select(t.id, t.source_key))}


def golden_by_key(engine: sa.Engine) -> dict[str, str]:
    t, x = source_records.c, xref.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.source_key, x.golden_id).join_from(source_records, xref))
        return dict(rows.all())


def pair_rows(engine: sa.Engine) -> list[tuple]:
    t = match_pairs.c
    with engine.connect() as conn:
        query = sa.select(t.id, t.a_id, t.b_id, t.score, t.status, t.model_version, t.created_at)
        return [tuple(row) for row in conn.execute(query.order_by(t.id))]


def event_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()


def decide(engine: sa.Engine, a: int, b: int, decision: str) -> None:
    with write_transaction(engine) as conn:
        write_decisions(conn, [(a, b, decision)], "anna", "test", utc_now())


def test_settings_follow_the_project_configuration():
    assert set(KEY_FAMILIES_OF) == set(BlockingFamily)
    assert {name for names in KEY_FAMILIES_OF.values() for name in names} <= set(KEY_FAMILIES)
    config = MatchingConfig.model_validate(
        {"thresholds": {"upper": 0.95, "lower": 0.6}, "blocking": ["email"], "max_block_size": 40}
    )
    settings = settings_from_config(config)
    assert (settings.merge_threshold, settings.review_threshold) == (0.95, 0.6)
    assert settings.key_families == ("email",) and settings.key_cap == 40


def test_demo_duplicates_merge_and_father_and_son_stay_apart(synced, store):
    result = synced("match")
    assert result.exit_code == 0, result.output
    assert re.search(r"records\s+│\s+20", result.stdout)
    golden = golden_by_key(store)
    assert golden["C001"] == golden["C002"]  # Mario Rossi, twice
    assert golden["C003"] == golden["C004"]  # Giulia Bianchi / Bianki
    assert golden["C011"] != golden["C012"]  # Gino and Gianni Ferrari: one phone, two people
    assert set(golden) == set(ids_by_key(store))  # every live record has a golden record
    with store.connect() as conn:
        run = conn.execute(sa.select(runs).where(runs.c.kind == "match")).one()
    assert run.status == "succeeded"
    assert run.counts["records"] == 20 and run.counts["golden_created"] == len(set(golden.values()))


def test_second_run_writes_no_golden_event_and_keeps_the_pairs(synced, store):
    assert synced("match").exit_code == 0
    pairs, event_total = pair_rows(store), event_count(store)
    assert pairs and event_total > 0
    again = synced("match")
    assert again.exit_code == 0, again.output
    assert pair_rows(store) == pairs
    assert event_count(store) == event_total
    assert re.search(r"golden records changed\s+│\s+0", again.stdout)


def keys_of(engine: sa.Engine) -> set[tuple]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(sa.select(blocking_keys))}


def test_blocking_keys_are_stored_diffed_and_follow_deletes(synced, store, project):  # noqa: F811
    assert synced("match").exit_code == 0
    ids = ids_by_key(store)
    stored = keys_of(store)
    assert ("email", "mario.rossi@example.com", ids["C001"]) in stored
    assert {sid for _, _, sid in stored} == set(ids.values())
    report = run_match(load_project(project), store)
    assert report.blocking_keys_written == 0 and report.blocking_keys == len(stored)
    with store.begin() as conn:
        conn.execute(
            sa.update(source_records).where(source_records.c.id == ids["C021"]).values(deleted=True)
        )
    report = run_match(load_project(project), store)
    left = keys_of(store)
    assert left == {row for row in stored if row[2] != ids["C021"]}
    assert report.blocking_keys_written == len(stored) - len(left) > 0


def test_stored_pairs_are_ordered_explained_and_above_the_review_threshold(synced, store):
    assert synced("match").exit_code == 0
    ids = ids_by_key(store)
    with store.connect() as conn:
        rows = conn.execute(sa.select(match_pairs)).all()
    by_pair = {(row.a_id, row.b_id): row for row in rows}
    mario = by_pair[tuple(sorted((ids["C001"], ids["C002"])))]
    assert mario.status == "merge" and mario.probability >= 0.92
    for row in rows:
        assert row.a_id < row.b_id and row.probability >= 0.70
        assert row.explanation["match_weight"] == pytest.approx(row.score)
        explanation = PairExplanation.from_dict(row.explanation)
        assert {part.comparison for part in explanation.parts} >= {"email", "phone"}
        assert explanation.sum_of_parts() == pytest.approx(row.score)


def test_steward_decisions_are_obeyed_on_a_rerun(synced, store, project):  # noqa: F811
    assert synced("match").exit_code == 0
    ids = ids_by_key(store)
    decided_before = [r for r in pair_rows(store) if {r[1], r[2]} == {ids["C001"], ids["C002"]}]
    decide(store, ids["C001"], ids["C002"], DIFFERENT)
    decide(store, ids["C011"], ids["C012"], SAME)
    report = run_match(load_project(project), store)
    assert report.refused_clusters == 0
    golden = golden_by_key(store)
    assert golden["C001"] != golden["C002"]
    assert golden["C011"] == golden["C012"]
    assert golden["C003"] == golden["C004"]  # undecided pairs still merge
    after = [r for r in pair_rows(store) if {r[1], r[2]} == {ids["C001"], ids["C002"]}]
    assert after == decided_before  # a decided pair's row is left as it was


def test_full_refit_with_decisions_as_labels_keeps_them(synced, store, project):  # noqa: F811
    assert synced("match").exit_code == 0
    ids = ids_by_key(store)
    decide(store, ids["C003"], ids["C004"], DIFFERENT)
    report = run_match(load_project(project), store, full=True)
    assert report.model_fitted
    golden = golden_by_key(store)
    assert golden["C003"] != golden["C004"] and golden["C001"] == golden["C002"]


def test_a_full_run_frees_its_engine_before_applying_the_clusters(
    synced,
    store,
    project,  # noqa: F811
    monkeypatch,
):
    """The engine (the records' table and candidates) is most of a full run's memory: the
    golden stage must not run while it is still held."""
    engines: list[weakref.ref] = []
    held_while_applying: list[bool] = []
    real_loaded_engine, real_apply = job.loaded_engine, job._apply

    def loaded_engine(*args, **kwargs):  # type: ignore[no-untyped-def]
        matcher = real_loaded_engine(*args, **kwargs)
        engines.append(weakref.ref(matcher))
        return matcher

    def apply(*args, **kwargs):  # type: ignore[no-untyped-def]
        gc.collect()
        held_while_applying.append(any(ref() is not None for ref in engines))
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(job, "loaded_engine", loaded_engine)
    monkeypatch.setattr(job, "_apply", apply)
    report = run_match(load_project(project), store, full=True)
    assert report.golden_created > 0 and engines
    assert held_while_applying == [False]


def test_the_model_fitted_last_is_the_one_reused(synced, store, project):  # noqa: F811
    first = run_match(load_project(project), store)
    model = latest_model(store)[1]
    other = FellegiSunterModel.from_dict({**model.to_dict(), "priors": {"person": 0.01}})
    other_version = save_model(store, other)
    assert latest_model(store)[0] == other_version != first.model_version
    assert save_model(store, model) == first.model_version  # refit to the same parameters
    assert latest_model(store)[0] == first.model_version
    assert run_match(load_project(project), store).model_version == first.model_version


def test_a_model_from_an_older_crmhub_with_other_levels_is_refitted(
    synced,
    store,
    project,  # noqa: F811
    caplog,
):
    """An upgrade that adds a comparison level must not weigh the new levels with the old
    model's numbers (index 2 of e-mail meant a typo before): the stale model is refitted."""
    first = run_match(load_project(project), store)
    stored = latest_model(store)[1].to_dict()
    for comparison in stored["comparisons"]:
        if comparison["name"] == "email":  # the e-mail levels before "separators differ"
            keep = [0, 1, 3, 4]
            for field in ("levels", "m", "u"):
                comparison[field] = [comparison[field][i] for i in keep]
    old_version = save_model(store, FellegiSunterModel.from_dict(stored))
    report = run_match(load_project(project), store)
    assert report.model_fitted and report.model_version not in (old_version, None)
    assert report.model_version == first.model_version  # the same data fits the same model
    assert "levels" in caplog.text and "'email'" in caplog.text


def test_explain_weights_add_up(synced, store, project):  # noqa: F811
    assert synced("match").exit_code == 0
    explanation = explain_records(load_project(project), store, KEY + "C011", KEY + "C012")
    assert explanation.sum_of_parts() == explanation.match_weight
    shown = synced("match", "explain", KEY + "C011", KEY + "C012")
    assert shown.exit_code == 0, shown.output
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in shown.stdout.splitlines()
        if line.startswith("│")
    ]
    assert [r[0] for r in rows] == ["prior", *(p.comparison for p in explanation.parts), "total"]
    *parts, total = rows
    shown_sum = sum(float(r[6]) + (float(r[7]) if r[7] else 0.0) for r in parts)
    assert float(total[6]) == pytest.approx(explanation.match_weight, abs=0.005)
    assert shown_sum == pytest.approx(float(total[6]), abs=0.005 * 2 * len(parts))
    assert f"p={explanation.probability:.4f}" in shown.stdout


def test_explain_accepts_source_record_ids(synced, store):
    assert synced("match").exit_code == 0
    ids = ids_by_key(store)
    shown = synced("match", "explain", str(ids["C001"]), str(ids["C002"]))
    assert shown.exit_code == 0, shown.output
    assert f"{ids['C001']} vs {ids['C002']}" in shown.stdout


def test_stats_prints_the_histogram_and_saves_a_png(synced, tmp_path: Path):
    assert synced("match").exit_code == 0
    png = tmp_path / "scores.png"
    shown = synced("match", "stats", "--png", str(png))
    assert shown.exit_code == 0, shown.output
    assert "<-- review" in shown.stdout and "<-- merge" in shown.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("explain", KEY + "C001", KEY + "NOPE"), "no source record"),
        (("explain", "C001", "C002"), "neither an id nor CONNECTION/STREAM/KEY"),
        (("explain", KEY + "C001", KEY + "C001"), "are the same source record"),
        (("stats",), "no match model in the store yet"),
    ],
)
def test_usage_errors_exit_2_naming_the_record(synced, args, message):
    result = synced("match", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_held_lock_exits_3_and_records_no_run(synced, store):
    with connection_lock(store, "match"):
        result = synced("match")
    assert result.exit_code == 3, result.output
    with store.connect() as conn:
        assert conn.execute(sa.select(runs).where(runs.c.kind == "match")).first() is None


def test_a_malformed_stored_record_is_named(synced, store):
    # Stored records are read as the dump they were written as, not validated again: a value
    # of the wrong type is what still fails.
    ids = ids_by_key(store)
    bad = {"kind": "person", "person": {"given_name": "Mario", "family_name": ["Rossi"]}}
    with store.begin() as conn:
        conn.execute(
            sa.update(source_records)
            .where(source_records.c.id == ids["C002"])
            .values(canonical=bad)
        )
    result = synced("match")
    assert result.exit_code == 1, result.output
    assert f"source record {ids['C002']}" in result.stderr and "family_name" in result.stderr
    with store.connect() as conn:
        match_runs = sa.select(runs.c.status).where(runs.c.kind == "match")
        assert conn.execute(match_runs).scalars().all() == ["failed"]


def test_an_empty_store_matches_nothing_and_succeeds(crmhub, store):  # noqa: F811
    result = crmhub("match")
    assert result.exit_code == 0, result.output
    assert re.search(r"records\s+│\s+0", result.stdout)
    with store.connect() as conn:
        match_runs = sa.select(runs.c.status).where(runs.c.kind == "match")
        assert conn.execute(match_runs).scalars().all() == ["succeeded"]


def test_match_help_shows_examples(crmhub):  # noqa: F811
    result = crmhub("match", "--help")
    assert result.exit_code == 0
    assert "crmhub match explain" in result.stdout and "--full" in result.stdout
