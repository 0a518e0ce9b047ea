"""``crmhub steward queue / show / decide`` on the demo project, on SQLite and PostgreSQL.

The demo project is synced and matched for real, with its thresholds raised so that three
duplicate pairs wait for a steward (Giulia Bianchi/Bianki, the two Rossi Costruzioni, the
two Chiara Romano). The fixtures here are shared with ``test_golden_cmd.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from crmhub.cli import golden_cmd, init_cmd, match_cmd, steward_cmd, sync_cmd
from crmhub.cli.main import CrmhubGroup, main
from crmhub.store.schema import events, match_pairs, source_records, steward_decisions, xref
from crmhub.store.types import utc_now
from crmhub.web import PasswordHashing, Role
from crmhub.web.audit import PAIR_DECIDED
from crmhub.web.passwords import Passwords
from crmhub.web.queue import QueueFilter, queue_page
from crmhub.web.users import create_user

Run = Callable[..., Result]
GIULIA = ("C003", "C004")
ROSSI_COSTRUZIONI = ("C005", "C006")


def _cli() -> typer.Typer:
    """The root command as crmhub/cli/main.py builds it, with the commands under test."""
    app = typer.Typer(cls=CrmhubGroup, add_completion=False, pretty_exceptions_enable=False)
    app.callback()(main)
    app.command("init")(init_cmd.init)
    app.command("sync")(sync_cmd.sync)
    app.add_typer(match_cmd.app, name="match")
    app.add_typer(steward_cmd.app, name="steward")
    app.add_typer(golden_cmd.app, name="golden")
    return app


@dataclass
class Demo:
    """The matched demo project on the test store, and a way to run crmhub on it."""

    root: Path
    engine: Engine
    run: Run

    def ok(self, *args: str) -> Result:
        """Run ``crmhub ARGS``; fail the test unless it exits 0."""
        result = self.run(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def ids(self) -> dict[str, int]:
        """Source record id by key (C001, ...)."""
        s = source_records.c
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(s.source_key, s.id)).all())  # type: ignore[arg-type]

    def pair(self, keys: tuple[str, str]) -> int:
        """The candidate pair id of two records, by key."""
        ids = self.ids()
        a, b = sorted(ids[k] for k in keys)
        p = match_pairs.c
        with self.engine.connect() as conn:
            return conn.execute(sa.select(p.id).where(p.a_id == a, p.b_id == b)).scalar_one()

    def golden_of(self, key: str) -> str:
        """The golden id of a record, by key."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(xref.c.golden_id).where(xref.c.source_record_id == self.ids()[key])
            ).scalar_one()


@pytest.fixture(name="demo")
def demo_project(tmp_path: Path, store_url: str, store_engine: Engine, monkeypatch) -> Demo:
    """``crmhub init``, ``sync --all`` and ``match`` on the test store, three pairs to review."""
    for name in ("LOGNAME", "USER"):  # what getpass.getuser() reads first
        monkeypatch.setenv(name, "tester")
    runner, app = CliRunner(), _cli()
    root = tmp_path / "demo"

    def run(*args: str) -> Result:
        return runner.invoke(
            app, ["--project", str(root), "--database-url", store_url, *args], catch_exceptions=True
        )

    demo = Demo(root, store_engine, run)
    demo.ok("init", str(root))
    config = root / "crmhub.yaml"
    text = config.read_text()
    assert "upper: 0.92" in text and "lower: 0.70" in text
    config.write_text(
        text.replace("upper: 0.92", "upper: 0.9999999999").replace("lower: 0.70", "lower: 0.5")
    )
    demo.ok("sync", "--all")
    demo.ok("match")
    return demo


def _queue_json(demo: Demo, *args: str) -> dict:
    return json.loads(demo.ok("steward", "queue", "--json", *args).stdout)


def _add_user(engine: Engine, name: str, role: Role) -> None:
    passwords = Passwords(PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1))
    create_user(
        engine,
        passwords,
        name=name,
        password="correct horse battery",
        role=role,
        actor="test",
        now=utc_now(),
    )


def test_the_queue_is_the_workbench_queue_with_its_filters(demo: Demo):
    body = _queue_json(demo)
    web = queue_page(demo.engine, QueueFilter(), offset=0, limit=50)
    assert body["total"] == web.total == 3
    assert [i["pair_id"] for i in body["items"]] == [i.pair_id for i in web.items]
    assert {demo.pair(GIULIA), demo.pair(ROSSI_COSTRUZIONI)} <= {
        i["pair_id"] for i in body["items"]
    }

    assert [i["kind"] for i in _queue_json(demo, "--kind", "organization")["items"]] == [
        "organization"
    ]
    assert _queue_json(demo, "--system", "nowhere")["total"] == 0
    assert _queue_json(demo, "--limit", "1")["items"][0]["pair_id"] == web.items[0].pair_id

    table = demo.ok("steward", "queue").stdout
    assert "Review queue: 3 pairs" in table and "ROSSI COSTRUZIONI SRL (legacy_crm)" in table

    bad = demo.run("steward", "queue", "--band", "huge")
    assert (
        bad.exit_code == 2
        and "band='huge'" in bad.stderr
        and "--band high|medium|low" in bad.stderr
    )


def test_show_puts_the_records_side_by_side_with_each_contribution(demo: Demo):
    pair = demo.pair(ROSSI_COSTRUZIONI)
    shown = demo.ok("steward", "show", str(pair)).stdout
    assert f"pair {pair} (review)" in shown
    assert "legacy_crm/customers/C005" in shown and "legacy_crm/customers/C006" in shown
    assert "IT02748510969" in shown  # the VAT id, aligned
    for comparison in ("prior", "email", "vat", "total"):
        assert f"│ {comparison} " in shown

    missing = demo.run("steward", "show", "999999")
    assert missing.exit_code == 2 and "no candidate pair with id 999999" in missing.stderr


def _decisions(engine: Engine) -> list[tuple[int, int, str, str, str | None]]:
    d = steward_decisions.c
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(d.a_id, d.b_id, d.decision, d.actor, d.comment).order_by(d.id)
            )
        ]


def test_a_decision_is_the_workbench_action_and_survives_match_full(demo: Demo):
    _add_user(demo.engine, "sam", Role.STEWARD)
    same, different = demo.pair(ROSSI_COSTRUZIONI), demo.pair(GIULIA)
    assert demo.golden_of("C005") != demo.golden_of("C006")  # waiting for review, not merged

    done = demo.ok("steward", "decide", str(same), "same", "--comment", "same VAT id")
    assert f"pair {same}: same customer" in done.stdout
    demo.ok("steward", "decide", str(different), "different", "-m", "two people", "--as", "sam")

    ids = demo.ids()
    assert _decisions(demo.engine) == [
        (ids["C005"], ids["C006"], "same", "cli:tester", "same VAT id"),
        (ids["C003"], ids["C004"], "different", "sam", "two people"),
    ]
    e = events.c
    with demo.engine.connect() as conn:
        logged = conn.execute(
            sa.select(e.actor, e.subject_type, e.subject_id, e.data)
            .where(e.kind == PAIR_DECIDED)
            .order_by(e.id)
        ).all()
    assert [(r.actor, r.subject_type, r.subject_id, r.data["decision"]) for r in logged] == [
        ("cli:tester", "pair", str(same), "same"),
        ("sam", "pair", str(different), "different"),
    ]
    assert {i["pair_id"] for i in _queue_json(demo)["items"]}.isdisjoint({same, different})

    demo.ok("match", "--full")

    assert demo.golden_of("C005") == demo.golden_of("C006")
    assert demo.golden_of("C003") != demo.golden_of("C004")
    left = {(i["left_name"], i["right_name"]) for i in _queue_json(demo)["items"]}
    assert not any("Rossi" in a or "Giulia" in a for a, _ in left)
    assert len(_decisions(demo.engine)) == 2  # the rerun recorded nothing over them


def test_decide_refuses_what_it_cannot_do_with_a_hint(demo: Demo):
    _add_user(demo.engine, "vic", Role.VIEWER)
    pair = demo.pair(GIULIA)

    def refused(*args: str) -> str:
        result = demo.run("steward", "decide", *args)
        assert result.exit_code == 2, (result.stdout, result.stderr)
        return result.stderr

    assert "no candidate pair with id 999999" in refused("999999", "same", "-m", "x")
    assert "decision 'maybe' is not one of same, different, unsure" in refused(
        str(pair), "maybe", "-m", "x"
    )
    assert "no user named 'nobody'" in refused(str(pair), "same", "-m", "x", "--as", "nobody")
    assert "vic is a viewer and cannot decide" in refused(
        str(pair), "same", "-m", "x", "--as", "vic"
    )
    assert "--comment" in demo.run("steward", "decide", str(pair), "same").stderr
    assert _decisions(demo.engine) == []

    demo.ok("steward", "decide", str(pair), "unsure", "-m", "ask the branch")
    assert _queue_json(demo, "--unsure")["items"][0]["pair_id"] == pair
    assert "already decided unsure" in refused(str(pair), "unsure", "-m", "again")
    demo.ok("steward", "decide", str(pair), "same", "-m", "the branch says yes")
    overrule = refused(str(pair), "different", "-m", "no")
    assert "was already decided same by cli:tester" in overrule and "--change" in overrule
    changed = demo.ok("steward", "decide", str(pair), "different", "-m", "no", "--change")
    assert "was same customer" in changed.stdout
    assert [d[2] for d in _decisions(demo.engine)] == ["unsure", "same", "different"]
