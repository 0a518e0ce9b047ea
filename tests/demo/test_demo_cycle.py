"""``crmhub demo`` end to end: the world built on the local MariaDB (ODBC), a spreadsheet and
the fake Salesforce, the whole cycle run on the demo's SQLite store; then what a user does
next: run the cycle again (nothing to write), change a phone in Salesforce (it reaches the
ERP, and the cycle after that writes nothing), open the workbench with the printed login."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from crmhub.config.project import load_project
from crmhub.cycle import CycleReport, run_cycle
from crmhub.demo import erp
from crmhub.demo.examples import golden_sources, goldens_by_ref
from crmhub.demo.salesforce import CLIENT_SECRET, ORG_FILE, SECRET_ENV, running_org
from crmhub.store.engine import create_store_engine

from .conftest import Built, invoke, need

pytestmark = [pytest.mark.mariadb, pytest.mark.odbc]


@pytest.fixture
def engine(mariadb_demo: Built, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    monkeypatch.delenv("CRMHUB_DATABASE_URL", raising=False)
    store = create_store_engine(f"sqlite:///{mariadb_demo.root / 'crmhub.db'}")
    yield store
    store.dispose()


def cycle(built: Built, engine: Engine) -> tuple[CycleReport, list[Any]]:
    """One more cycle with the demo's org served, as `crmhub run` beside the served fake;
    the report and the writes Salesforce received."""
    with running_org(built.root, int(built.marker["port"])) as fake:  # type: ignore[arg-type]
        report = run_cycle(load_project(built.root), engine)
        writes = list(fake.writes)
    assert report.ok, [(s.name, s.error) for s in report.failures()]
    return report, writes


def written(report: CycleReport) -> dict[str, int]:
    return {p.name: p.report.sent for p in report.publishes if p.report}


def erp_rows(built: Built) -> dict[str, dict[str, Any]]:
    database = erp.database_name(built.root)
    return {
        r["crmhub_id"]: r for r in erp.read_table(erp.SERVERS["mariadb"], database, "clienti_hub")
    }


def org_records(built: Built, sobject: str) -> list[dict[str, Any]]:
    state = json.loads((built.root / ORG_FILE).read_text("utf-8"))
    return [r for r in state["records"][sobject] if not r["IsDeleted"]]


def test_each_customer_becomes_one_golden_record_and_father_and_son_stay_apart(
    mariadb_demo, engine
):
    sources = golden_sources(engine)
    by_ref = goldens_by_ref(mariadb_demo.world, sources)
    assert set(by_ref) == {c.ref for c in mariadb_demo.world.customers}
    assert {ref: len(ids) for ref, ids in by_ref.items() if len(ids) != 1} == {}
    assert len(sources) == len(mariadb_demo.world.customers)  # no golden record mixes two
    (mario,) = by_ref["mario-rossi"]
    assert {c for c, _ in sources[mario]} == {"spreadsheet", "erp", "salesforce"}
    assert by_ref["gino-ferrari"] != by_ref["gianni-ferrari"]
    (company,) = by_ref["brambilla"]
    assert len({key for key in sources[company] if key in mariadb_demo.world.refs}) == 3


def test_every_golden_record_reaches_the_erp_and_salesforce_gets_those_its_targets_want(
    mariadb_demo, engine
):
    sources = golden_sources(engine)
    by_ref = goldens_by_ref(mariadb_demo.world, sources)
    rows = erp_rows(mariadb_demo)
    assert set(rows) == set(sources)
    (mario,) = by_ref["mario-rossi"]
    assert (rows[mario]["nome"], rows[mario]["telefono"]) == ("Mario", "+393331234567")
    contacts = {r["Crmhub_Id__c"]: r for r in org_records(mariadb_demo, "Contact")}
    people = {c.ref: c for c in mariadb_demo.world.customers if c.kind == "person"}
    with_email = {gid for ref, c in people.items() if c.email for gid in by_ref[ref]}
    assert with_email <= set(contacts)  # created by the hub, or linked and brought up to date
    assert set(contacts) - {None} <= {gid for ref in people for gid in by_ref[ref]}
    (moretti,) = by_ref["luca-moretti"]  # no e-mail: the contacts target's filter keeps him out
    assert moretti not in contacts
    # the agreed number, in the format the salesperson typed: a reformatting is the same value,
    # so the hub does not write its own spelling over it
    assert re.sub(r"[^\d+]", "", contacts[mario]["Phone"]) == "+393331234567"
    accounts = {r["Crmhub_Id__c"] for r in org_records(mariadb_demo, "Account")}
    companies = {c.ref for c in mariadb_demo.world.customers if c.kind == "organization"}
    assert accounts == {gid for ref in companies for gid in by_ref[ref]}


def test_the_output_shows_merges_writes_and_a_working_workbench_login(mariadb_demo, engine):
    from crmhub.web.passwords import Passwords
    from crmhub.web.settings import PasswordHashing
    from crmhub.web.users import check_password

    text = mariadb_demo.result.output
    for expected in (
        "What it merged",
        "Mario Rossi",
        "erp_clienti_hub",
        "salesforce_contacts",
        "--serve-salesforce",
        f"export {SECRET_ENV}=",
    ):
        assert expected in text
    user = check_password(engine, Passwords(PasswordHashing()), "demo", mariadb_demo.password)
    assert user is not None and str(user.role) == "admin"


def test_running_it_again_is_refused_with_what_to_do_instead(mariadb_demo):
    result = invoke(str(mariadb_demo.root), "--erp", "mariadb")
    assert result.exit_code == 2
    assert "already holds a demo" in result.output
    assert "--force" in result.output and "run" in result.output


def test_the_next_cycle_writes_nothing(mariadb_demo, engine):
    report, writes = cycle(mariadb_demo, engine)
    assert written(report) == {
        "erp_clienti_hub": 0,
        "salesforce_contacts": 0,
        "salesforce_accounts": 0,
    }
    assert writes == []


def test_a_phone_changed_in_salesforce_reaches_the_erp_and_then_nothing_moves(mariadb_demo, engine):
    path: Path = mariadb_demo.root / ORG_FILE
    state = json.loads(path.read_text("utf-8"))
    (contact,) = [
        r
        for r in state["records"]["Contact"]
        if r["LastName"] == "Rossi" and r["FirstName"] == "Mario"
    ]
    contact["Phone"] = "+393339998888"  # edited while the fake is stopped
    path.write_text(json.dumps(state), "utf-8")
    (mario,) = goldens_by_ref(mariadb_demo.world, golden_sources(engine))["mario-rossi"]

    report, _ = cycle(mariadb_demo, engine)
    assert erp_rows(mariadb_demo)[mario]["telefono"] == "+393339998888"
    assert written(report)["erp_clienti_hub"] == 1

    report, writes = cycle(mariadb_demo, engine)
    assert set(written(report).values()) == {0} and writes == []


@pytest.mark.postgres
def test_the_erp_can_live_on_postgresql_too(tmp_path, monkeypatch):
    server = need("postgresql")
    root = tmp_path / "pg"
    try:
        result = invoke(str(root), "--erp", "postgresql", "--size", "12")
        assert result.exit_code == 0, result.output
        engine = create_store_engine(f"sqlite:///{root / 'crmhub.db'}")
        try:
            goldens = set(golden_sources(engine))
        finally:
            engine.dispose()
        rows = erp.read_table(server, erp.database_name(root), "clienti_hub")
        assert {r["crmhub_id"] for r in rows} == goldens and len(goldens) == 12
    finally:
        erp.drop_database(server, erp.database_name(root))
