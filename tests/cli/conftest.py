"""Fixtures for the command-line tests: the test connector plugin, a clean environment, a runner."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from connectors.sdk import registry
from crmhub.cli import output
from crmhub.cli.main import app
from crmhub.logging import forget_secrets

PLUGIN_SITE = Path(__file__).parents[1] / "config" / "plugin_site"

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def catalog_plugin() -> Iterator[Path]:
    """The test plugin (``type: catalog``, and ``type: broken``) installed for one test."""
    sys.path.insert(0, str(PLUGIN_SITE))
    registry.refresh()
    yield PLUGIN_SITE
    sys.path.remove(str(PLUGIN_SITE))
    registry.refresh()
    forget_secrets()


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
