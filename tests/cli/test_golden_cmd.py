"""``crmhub golden show / unmerge / undo`` on the matched demo project, SQLite and PostgreSQL."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.schema import events, golden_records, steward_decisions
from crmhub.web import Role

from .test_steward_cmd import (
    ROSSI_COSTRUZIONI,
    Demo,
    _add_user,
    demo_project,  # noqa: F401 - the `demo` fixture
)


def _golden_row(engine: Engine, golden_id: str) -> tuple:
    g = golden_records.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(g.data, g.lineage, g.redirect_to).where(g.id == golden_id)
        ).one()
    return tuple(row)


def test_show_gives_each_field_its_rule_and_sources(demo: Demo):
    mario = demo.golden_of("C001")
    assert mario == demo.golden_of("C002")  # merged by the matcher

    shown = demo.ok("golden", "show", mario).stdout
    assert f"golden record {mario} (person" in shown
    for title in ("Fields", "Contact points", "Source records (cross-reference)", "Recent events"):
        assert title in shown
    assert "legacy_crm/customers/C001" in shown and "legacy_crm/customers/C002" in shown
    assert "most_recent" in shown and "golden.created" in shown

    body = json.loads(demo.ok("golden", "show", mario, "--json").stdout)
    assert (body["id"], body["requested_id"], body["redirected"]) == (mario, mario, False)
    assert {s["record"] for s in body["sources"]} == {
        "legacy_crm/customers/C001",
        "legacy_crm/customers/C002",
    }
    name = next(f for f in body["fields"] if f["path"] == "person.family_name")
    assert name["rule"] and name["value_from"] in name["sources"]
    emails = body["sections"]["Contact points"]
    assert emails and all(line["sources"] for line in emails)
    assert body["created_at"].startswith("20") and "T" in body["created_at"]

    missing = demo.run("golden", "show", "NO-SUCH-ID")
    assert missing.exit_code == 2 and "no customer with golden id 'NO-SUCH-ID'" in missing.stderr


def test_show_of_a_merged_away_id_says_so_and_shows_the_survivor(demo: Demo):
    before = {demo.golden_of(k) for k in ROSSI_COSTRUZIONI}
    demo.ok("steward", "decide", str(demo.pair(ROSSI_COSTRUZIONI)), "same", "-m", "same VAT")
    demo.ok("match")
    survivor = demo.golden_of("C005")
    (merged_away,) = before - {survivor}

    shown = demo.ok("golden", "show", merged_away)
    assert f"{merged_away} was merged into {survivor}" in shown.stderr
    assert f"golden record {survivor}" in shown.stdout
    body = json.loads(demo.ok("golden", "show", merged_away, "--json").stdout)
    assert (body["id"], body["requested_id"], body["redirected"]) == (survivor, merged_away, True)


def test_unmerge_then_undo_restores_the_golden_record_exactly(demo: Demo):
    mario = demo.golden_of("C001")
    before = _golden_row(demo.engine, mario)

    done = demo.ok(
        "golden", "unmerge", mario, "--record", "legacy_crm/customers/C002", "--reason", "namesake"
    )
    assert demo.golden_of("C001") == mario and demo.golden_of("C002") != mario
    e = events.c
    with demo.engine.connect() as conn:
        event_id, actor, data = conn.execute(
            sa.select(e.id, e.actor, e.data)
            .where(e.kind == "golden.unmerged", e.subject_id == mario)
            .order_by(e.id.desc())
            .limit(1)
        ).one()
        decided = conn.execute(sa.select(steward_decisions.c.decision)).scalars().all()
    assert (actor, data["why"]) == ("cli:tester", "namesake")
    assert decided == ["different"]  # the matcher keeps them apart from now on
    assert f"event #{event_id}" in done.stdout
    assert f"crmhub golden undo {event_id}" in demo.ok("golden", "show", mario).stdout

    undone = demo.ok("golden", "undo", str(event_id), "--reason", "wrong record")
    assert f"event #{event_id} undone" in undone.stdout
    assert demo.golden_of("C002") == mario
    assert _golden_row(demo.engine, mario) == before

    again = demo.run("golden", "undo", str(event_id))
    assert again.exit_code == 2 and "undo the later changes first" in again.stderr


def test_unmerge_and_undo_refuse_with_a_hint(demo: Demo):
    _add_user(demo.engine, "vic", Role.VIEWER)
    mario, giulia = demo.golden_of("C001"), demo.golden_of("C003")

    def refused(*args: str) -> str:
        result = demo.run("golden", *args)
        assert result.exit_code == 2, (result.stdout, result.stderr)
        return result.stderr

    c2 = "legacy_crm/customers/C002"
    assert "are not in golden record" in refused("unmerge", giulia, "-r", c2, "--reason", "x")
    assert "no source record 'erp/x/1'" in refused(
        "unmerge", mario, "-r", "erp/x/1", "--reason", "x"
    )
    both = ("-r", "legacy_crm/customers/C001", "-r", c2)
    assert "would leave nothing" in refused("unmerge", mario, *both, "--reason", "x")
    assert "vic is a viewer and cannot change golden" in refused(
        "unmerge", mario, "-r", c2, "--reason", "x", "--as", "vic"
    )
    assert "--reason" in demo.run("golden", "unmerge", mario, "-r", c2).stderr
    assert "cannot be undone" in refused("undo", "1")
    assert "there is no event #999999" in refused("undo", "999999")
    assert demo.golden_of("C002") == mario  # nothing changed
