"""Errors of the ``file`` connector beyond the SDK's own."""

from __future__ import annotations

from connectors.sdk.errors import ConnectorError


class FileLayoutError(ConnectorError):
    """The file cannot be read as a table: no header row found, empty or duplicate column names,
    a missing worksheet. Raised before any record is yielded, so nothing stored is touched."""
