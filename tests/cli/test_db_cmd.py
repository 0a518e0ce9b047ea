"""`crmhub db ...` on SQLite and PostgreSQL, and where the database URL comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmhub.store.migrate import head_revision

from .conftest import Invoke


def test_upgrade_current_downgrade(cli: Invoke, store_url: str) -> None:
    db = ("--database-url", store_url)
    result = cli(*db, "db", "current", "--check")
    assert result.exit_code == 4
    assert "revision: none (empty store)" in result.stdout and "out of date" in result.stdout

    result = cli(*db, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded from empty to {head_revision()}" in result.stdout
    assert "already at" in cli(*db, "db", "upgrade").stdout

    result = cli(*db, "db", "current", "--check")
    assert result.exit_code == 0 and "up to date" in result.stdout

    refused = cli(*db, "db", "downgrade", "base", input="n\n")
    assert refused.exit_code == 1
    assert "up to date" in cli(*db, "db", "current").stdout  # nothing was dropped

    result = cli(*db, "db", "downgrade", "base", "--yes")
    assert result.exit_code == 0, result.output
    assert "revision: none" in cli(*db, "db", "current").stdout


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_downgrade_to_an_unknown_revision(cli: Invoke, store_url: str) -> None:
    cli("--database-url", store_url, "db", "upgrade")
    result = cli("--database-url", store_url, "db", "downgrade", "nosuchrev", "--yes")
    assert result.exit_code == 2, result.output
    assert "cannot migrate to revision 'nosuchrev'" in result.stderr
    assert "hint:" in result.stderr


def test_an_unreachable_store_exits_4_without_the_password(cli: Invoke) -> None:
    result = cli("--database-url", "postgresql://crm:topsecret@127.0.0.1:9/crm", "db", "current")
    assert result.exit_code == 4, result.output
    first, hint = result.stderr.splitlines()[:2]
    assert first.startswith(
        "error: cannot reach the store database at postgresql+psycopg://crm:***@127.0.0.1:9/crm"
    )
    assert hint.strip().startswith("hint: check that PostgreSQL is running")
    assert "topsecret" not in result.output


def test_a_url_the_store_cannot_use_exits_4(cli: Invoke) -> None:
    result = cli("--database-url", "mongodb://h/db", "db", "current")
    assert result.exit_code == 4
    assert "does not support" in result.stderr


def test_database_url_precedence(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crmhub.yaml").write_text("project: demo\ndatabase_url: sqlite:///${DB_NAME}.db\n")
    env = {"DB_NAME": "from_yaml", "CRMHUB_DATABASE_URL": f"sqlite:///{tmp_path}/from_env.db"}

    def store_line(*args: str, env: dict[str, str]) -> str:
        result = cli(*args, "db", "current", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()[0]

    assert store_line("--database-url", f"sqlite:///{tmp_path}/from_option.db", env=env).endswith(
        "from_option.db"
    )
    assert store_line(env=env).endswith("/from_env.db")
    assert (
        store_line(env={"DB_NAME": "from_yaml"})
        == f"store:    sqlite:///{tmp_path.resolve()}/from_yaml.db"
    )
    (tmp_path / "crmhub.yaml").write_text("project: demo\n")
    assert store_line(env={}) == f"store:    sqlite:///{tmp_path.resolve()}/crmhub.db"
