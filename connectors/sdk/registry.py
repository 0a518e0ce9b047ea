"""Finds connectors: the built-ins and every plugin installed under the ``crmhub.connectors``
entry-point group (``[project.entry-points."crmhub.connectors"] myerp = "pkg.module:MyConnector"``).
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from connectors.sdk.contract import Connector
from connectors.sdk.errors import ConfigError

ENTRY_POINT_GROUP = "crmhub.connectors"


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    """Names of every installed connector kind, sorted."""
    return sorted(_entry_points())


def load(kind: str) -> type[Connector]:  # type: ignore[type-arg]
    """The connector class registered as ``kind``; a ``ConfigError`` with a suggestion otherwise."""
    eps = _entry_points()
    if kind not in eps:
        close = difflib.get_close_matches(kind, list(eps), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"installed: {', '.join(sorted(eps)) or 'none'}"
        raise ConfigError(f"no connector of type {kind!r} is installed", hint=hint)
    try:
        cls = eps[kind].load()
    except Exception as exc:  # a broken plugin must not hide behind a bare ImportError
        raise ConfigError(
            f"connector {kind!r} ({eps[kind].value}) failed to import: {exc}",
            hint="reinstall the plugin package, or check its dependencies",
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConfigError(f"entry point {kind!r} ({eps[kind].value}) is not a Connector subclass")
    return cls


def refresh() -> None:
    """Forget the cached entry points (after installing a plugin in the same process)."""
    _entry_points.cache_clear()
