"""The test connector plugin (``type: catalog``, and ``type: broken`` whose module does not
exist), installed the real way: ``tests/config/plugin_site/`` holds a package and its
``.dist-info`` with an ``entry_points.txt``, so putting the folder on ``sys.path`` installs it
exactly as pip would. Shared by the configuration and command-line tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.sdk import registry
from crmhub.logging import forget_secrets

PLUGIN_SITE = Path(__file__).parent / "config" / "plugin_site"


@contextmanager
def plugin_site_installed() -> Iterator[Path]:
    sys.path.insert(0, str(PLUGIN_SITE))
    registry.refresh()
    try:
        yield PLUGIN_SITE
    finally:
        sys.path.remove(str(PLUGIN_SITE))
        registry.refresh()
        forget_secrets()
