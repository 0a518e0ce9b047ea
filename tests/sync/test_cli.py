"""``crmhub publish``, ``crmhub outbox`` and ``crmhub conflicts`` as a user runs them, against the
fake Salesforce and a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from crmhub.cli import output, sync_targets_cmd
from crmhub.cli.main import CrmhubGroup, main
from crmhub.config.project import Project
from crmhub.sync import list_outbox

from .conftest import person, salesforce_connection


def _app() -> typer.Typer:
    """The root command with the sync commands wired as crmhub/cli/main.py wires them."""
    app = typer.Typer(cls=CrmhubGroup, no_args_is_help=True, pretty_exceptions_enable=False)
    app.callback()(main)
    app.command("publish", epilog=sync_targets_cmd.PUBLISH_EPILOG)(sync_targets_cmd.publish)
    app.add_typer(sync_targets_cmd.outbox_app, name="outbox")
    app.add_typer(sync_targets_cmd.conflicts_app, name="conflicts")
    return app


@pytest.fixture
def crmhub(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("COLUMNS", "250")
    output.out.cache_clear()
    output.err.cache_clear()
    runner, app = CliRunner(), _app()
    return lambda *args: runner.invoke(app, list(args))


@pytest.fixture
def project(project_for: Any, fake: Any) -> Project:
    targets = {
        "sf_contacts": {"connection": "salesforce", "stream": "Contact", "id_field": "Crmhub_Id__c"}
    }
    return project_for({"salesforce": salesforce_connection(fake)}, targets, token=fake.token)


def _options(project: Project, engine: Engine) -> list[str]:
    url = engine.url.render_as_string(hide_password=False)
    return ["--project", str(project.root), "--database-url", url]


def test_a_dry_run_shows_the_changes_and_queues_nothing(crmhub, project, goldens, store_engine):
    gid = goldens.add(person("Mario", "Rossi", "mario@rossi.it"))

    result = crmhub(*_options(project, store_engine), "publish", "sf_contacts", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: nothing was queued or written" in result.stdout
    assert gid in result.stdout and "Email=mario@rossi.it" in result.stdout
    assert list_outbox(store_engine) == []


def test_publish_then_list_the_outbox(crmhub, project, goldens, store_engine, fake):
    goldens.add(person("Mario", "Rossi", "mario@rossi.it"))
    goldens.add(person("Anna", "Verdi", "anna@verdi.it"))
    fake.reject_when("Contact", lambda r: r.get("LastName") == "Verdi", "Verdi is blocked")
    options = _options(project, store_engine)

    published = crmhub(*options, "publish", "sf_contacts")
    listed = crmhub(*options, "outbox", "list", "--status", "dead")

    assert published.exit_code == 0, published.output
    assert "Publish: sf_contacts" in published.stdout
    assert "1 record(s) given up" in published.stderr
    assert listed.exit_code == 0, listed.output
    assert "Verdi is blocked" in listed.stdout and "dead" in listed.stdout
    (dead,) = list_outbox(store_engine, statuses=["dead"])
    fake.org.rules.clear()
    retried = crmhub(*options, "outbox", "retry", str(dead.id))
    assert retried.exit_code == 0 and "1 dead row(s) queued again" in retried.stdout
    assert crmhub(*options, "publish", "sf_contacts").exit_code == 0
    assert [e.status for e in list_outbox(store_engine)] == ["sent", "sent"]


def test_errors_name_the_thing_and_give_a_hint(crmhub, project, store_engine):
    options = _options(project, store_engine)

    unknown = crmhub(*options, "publish", "sf_contact")
    retry = crmhub(*options, "outbox", "retry", "41")
    nothing = crmhub(*options, "outbox", "retry")
    status = crmhub(*options, "outbox", "list", "--status", "lost")

    assert unknown.exit_code == 2 and "no target 'sf_contact'" in unknown.stderr
    assert "did you mean 'sf_contacts'?" in unknown.stderr
    assert retry.exit_code == 2 and "41 (no such row)" in retry.stderr
    assert nothing.exit_code == 2 and "--all" in nothing.stderr
    assert status.exit_code == 2 and "unknown outbox status 'lost'" in status.stderr


def test_a_misconfigured_target_field_is_reported_with_its_line(
    crmhub, project_for, fake, store_engine
):
    targets = {
        "sf_contacts": {
            "connection": "salesforce",
            "stream": "Contact",
            "fields": {"Emial": {"conflict": "manual"}},
        }
    }
    project = project_for({"salesforce": salesforce_connection(fake)}, targets, token=fake.token)

    result = crmhub(*_options(project, store_engine), "publish", "sf_contacts")

    assert result.exit_code == 2
    text = Path(project.file).read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if "Emial" in t)
    assert f"crmhub.yaml:{line}: targets.sf_contacts.fields.Emial" in result.stderr
    assert "did you mean 'Email'?" in result.stderr


def test_conflicts_list_says_when_there_are_none(crmhub, project, store_engine):
    result = crmhub(*_options(project, store_engine), "conflicts", "list")

    assert result.exit_code == 0 and "no open conflicts" in result.stdout
