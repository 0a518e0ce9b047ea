"""Fixtures for the command-line tests: the test connector plugin, a clean environment, a runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crmhub.cli import output
from crmhub.cli.main import app
from tests.plugin_site_fixture import plugin_site_installed

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def catalog_plugin() -> Iterator[Path]:
    """The test plugin installed for the duration of a test (tests/plugin_site_fixture.py)."""
    with plugin_site_installed() as site:
        yield site


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No project or store from the environment; wide consoles so lines are not wrapped."""
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    output.out.cache_clear()
    output.err.cache_clear()


@pytest.fixture
def cli() -> Invoke:
    """Run ``crmhub ARGS...`` in-process; returns the result (``stdout``, ``stderr``, ``exit_code``)."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, input=input)

    return invoke
