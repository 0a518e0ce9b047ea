"""Errors a connector raises; each names the thing that went wrong and, where it can, the fix."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class. ``hint`` tells the person reading the message what to try."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (hint: {self.hint})" if self.hint else base


class ConfigError(ConnectorError):
    """The connector's configuration is wrong."""


class AuthError(ConnectorError):
    """The system refused our credentials."""


class UnknownStream(ConnectorError):
    """A stream name the connector does not offer."""


class NotWritable(ConnectorError):
    """The stream (or the whole connector) cannot be written to."""


class SourceUnavailable(ConnectorError):
    """The system could not be reached, or kept failing after retries."""
