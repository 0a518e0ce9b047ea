"""Fixtures for the demo's tests: the command line with ``crmhub demo`` wired in, and one
demo built on the local MariaDB (through ODBC) for the module that needs it.

Without the MariaDB server or its ODBC driver the tests needing it skip saying why; with
CI=true they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from crmhub.cli import demo_cmd, output
from crmhub.cli import main as root_cli
from crmhub.demo import erp
from crmhub.demo.build import read_marker, seed_salesforce
from crmhub.demo.world import World, make_world

Invoke = Callable[..., Result]
PASSWORD = re.compile(r"as demo, password (\S+)")


def demo_app() -> typer.Typer:
    """The root command's callback and error reporting, with ``demo`` wired as the lead will."""
    app = typer.Typer(cls=root_cli.CrmhubGroup, pretty_exceptions_enable=False)
    app.callback()(root_cli.main)
    app.command("demo", epilog=demo_cmd.EPILOG)(demo_cmd.demo)
    return app


def invoke(*args: str) -> Result:
    """``crmhub demo ARGS...`` in-process, on a wide console."""
    output.out.cache_clear()
    output.err.cache_clear()
    env = {"COLUMNS": "200", "CRMHUB_DATABASE_URL": None, "CRMHUB_PROJECT": None}
    return CliRunner().invoke(demo_app(), ["demo", *args], env=env)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def need(kind: erp.ErpKind) -> erp.Server:
    """The local server of ``kind``, or a skip (a failure in CI) saying why it cannot be used."""
    server = erp.SERVERS[kind]
    reason = erp.unreachable_reason(server)
    if reason:
        if running_in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return server


@dataclass
class Built:
    """A demo made by ``crmhub demo``: its folder, what the command printed, and the world it
    was made from (with the Salesforce Ids of its records)."""

    root: Path
    result: Result
    world: World

    @property
    def marker(self) -> dict[str, object]:
        return read_marker(self.root)

    @property
    def password(self) -> str:
        found = PASSWORD.search(self.result.output)
        assert found, self.result.output
        return found.group(1)


def world_of(size: int, seed: int) -> World:
    """The world ``crmhub demo --size SIZE --seed SEED`` builds, Salesforce Ids included."""
    world = make_world(size, seed)
    seed_salesforce(world)
    return world


@pytest.fixture(scope="module")
def mariadb_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """``crmhub demo DIR --erp mariadb`` at the default size, once for the module."""
    server = need("mariadb")
    root = tmp_path_factory.mktemp("demo") / "crmhub-demo"
    result = invoke(str(root), "--erp", "mariadb")
    try:
        assert result.exit_code == 0, result.output
        yield Built(root, result, world_of(60, 2026))
    finally:
        erp.drop_database(server, erp.database_name(root))
