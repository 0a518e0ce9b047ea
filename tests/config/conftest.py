"""Fixtures for the configuration tests: a test connector plugin installed the real way.

``plugin_site/`` holds a package and its ``.dist-info`` (with an ``entry_points.txt`` in the
``crmhub.connectors`` group), so putting the folder on ``sys.path`` installs ``type: catalog``
(and ``type: broken``, whose module does not exist) exactly as pip would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin_site_fixture import plugin_site_installed


@pytest.fixture(autouse=True)
def catalog_plugin() -> Iterator[Path]:
    """The test plugin installed for the duration of a test (tests/plugin_site_fixture.py)."""
    with plugin_site_installed() as site:
        yield site


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No project or store chosen by the environment of whoever runs the tests."""
    for name in ("CRMHUB_PROJECT", "CRMHUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def write_project(root: Path, text: str, *, files: dict[str, str] | None = None) -> Path:
    """Write ``crmhub.yaml`` (and other files, relative to ``root``) and return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "crmhub.yaml").write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root
