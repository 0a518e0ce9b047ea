"""``crmhub users ...`` and ``crmhub serve``, through the real root command and a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from crmhub.cli import serve_cmd, users_cmd
from crmhub.cli.main import CrmhubGroup, main
from crmhub.store.types import utc_now
from crmhub.web import create_app

from .conftest import Clock, make_settings

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> typer.Typer:
    """The root command as crmhub/cli/main.py builds it, with the commands under test."""
    app = typer.Typer(cls=CrmhubGroup, add_completion=False, pretty_exceptions_enable=False)
    app.callback()(main)
    app.add_typer(users_cmd.app, name="users")
    app.command("serve", epilog=serve_cmd.EPILOG)(serve_cmd.serve)
    return app


@pytest.fixture
def crmhub(store_url: str, store_engine, monkeypatch: pytest.MonkeyPatch):
    """Run ``crmhub ARGS`` on the test store; returns the result."""
    monkeypatch.setenv("COLUMNS", "200")
    runner, app = CliRunner(), _cli()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, ["--database-url", store_url, *args], input=input)

    return run


def test_users_add_list_and_duplicates(crmhub):
    added = crmhub(
        "users", "add", "anna", "--role", "steward", "--password-stdin", input="a long passphrase\n"
    )
    assert added.exit_code == 0, added.output
    assert "user anna added as steward" in added.stdout
    listed = crmhub("users", "list")
    assert "anna" in listed.stdout and "steward" in listed.stdout
    again = crmhub(
        "users", "add", "anna", "--role", "viewer", "--password-stdin", input="a long passphrase\n"
    )
    assert again.exit_code == 2
    assert "a user named 'anna' already exists" in again.stderr


def test_users_add_prompts_for_the_password_twice(crmhub):
    added = crmhub(
        "users", "add", "bob", "--role", "admin", input="a long passphrase\na long passphrase\n"
    )
    assert added.exit_code == 0, added.output
    assert "Repeat for confirmation" in added.stdout


def test_users_add_refuses_a_bad_role_name_or_password(crmhub):
    bad_role = crmhub(
        "users", "add", "carl", "--role", "boss", "--password-stdin", input="a long passphrase\n"
    )
    assert bad_role.exit_code == 2 and "unknown role 'boss'" in bad_role.stderr
    assert "viewer, steward, admin" in bad_role.stderr
    bad_name = crmhub(
        "users",
        "add",
        "carl smith",
        "--role",
        "viewer",
        "--password-stdin",
        input="a long passphrase\n",
    )
    assert bad_name.exit_code == 2 and "user name 'carl smith' cannot be used" in bad_name.stderr
    short = crmhub("users", "add", "carl", "--role", "viewer", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "the password has 5 characters" in short.stderr
    assert "carl" not in crmhub("users", "list").stdout


def test_tokens_create_prints_a_working_token_once_and_revoke_stops_it(crmhub, store_engine):
    crmhub(
        "users",
        "add",
        "robot",
        "--role",
        "steward",
        "--password-stdin",
        input="a long passphrase\n",
    )
    created = crmhub("users", "tokens", "create", "robot", "--label", "nightly", "--role", "viewer")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("crmhub_") and "\n" not in token
    assert "copy it now" in created.stderr
    app = create_app(make_settings(Clock(utc_now())), engine=store_engine)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/me").json() == {"name": "robot", "role": "viewer"}
    listed = crmhub("users", "tokens", "list", "robot").stdout
    assert "nightly" in listed and token not in listed
    revoked = crmhub("users", "tokens", "revoke", "1")
    assert revoked.exit_code == 0 and "token 1 revoked" in revoked.stdout
    assert api.get("/api/v1/me").status_code == 401
    assert crmhub("users", "tokens", "revoke", "99").exit_code == 2


def test_users_need_a_migrated_store(store_factory):
    runner = CliRunner()
    url = store_factory.new_url()
    result = runner.invoke(_cli(), ["--database-url", url, "users", "list"])
    assert result.exit_code == 4 and "crmhub db upgrade" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_serve_runs_the_workbench_under_uvicorn(store_url: str, store_engine):
    port = _free_port()
    code = (
        "import sys; sys.path.insert(0, 'tests'); "
        "from web.test_cli import _cli; "
        f"_cli()(['--database-url', {store_url!r}, 'serve', '--port', '{port}', "
        "'--root-path', '/crm'])"
    )
    env = {k: v for k, v in os.environ.items() if k != serve_cmd.SECRET_ENV}
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {server.communicate()[1]}")
                time.sleep(0.2)
        assert health.text == "ok"
        queue = httpx.get(f"http://127.0.0.1:{port}/queue")
        assert queue.status_code == 303
        assert queue.headers["location"] == "/crm/login?next=%2Fcrm%2Fqueue"
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert 'action="/crm/login"' in login.text
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert f"${serve_cmd.SECRET_ENV} is not set" in stderr
