"""Small builders shared by the file connector's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.builtin.file import FileConnector
from connectors.testing.contract_tests import ReadRun, read_all

STREAM = "customers"


def connector_for(
    base_dir: Path,
    path: str,
    key: list[str] | None = None,
    *,
    top: dict[str, Any] | None = None,
    **options: Any,
) -> FileConnector:
    """A connector with one stream ``customers`` reading ``path`` (relative to ``base_dir``);
    ``options`` are the stream's, ``top`` the connection's (defaults, checkpoint_every)."""
    stream = {"path": path, "key": key or ["CODICE"], **options}
    raw = {"base_dir": str(base_dir), "streams": {STREAM: stream}, **(top or {})}
    connector = FileConnector.from_dict(raw)
    assert isinstance(connector, FileConnector)
    return connector


def read_file(
    base_dir: Path,
    path: str,
    key: list[str] | None = None,
    *,
    state: dict[str, Any] | None = None,
    top: dict[str, Any] | None = None,
    **options: Any,
) -> ReadRun:
    """Read the stream of ``connector_for(...)`` to the end, from ``state``."""
    return read_all(connector_for(base_dir, path, key, top=top, **options), STREAM, state)


def write(base_dir: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` as ``name`` in ``base_dir``, byte for byte (no newline translation)."""
    path = base_dir / name
    path.write_bytes(text.encode(encoding))
    return path
