"""Errors the engine raises on purpose, and the exit codes scripts can rely on.

Every ``CrmhubError`` carries a ``message`` that names the thing that went wrong (a file and line,
a connection, a record), an optional ``hint`` with the fix to try, and the ``exit_code`` the
command line ends with. The command line turns these (and the connector SDK's and the store's
errors) into exit codes in one place: ``crmhub.cli.failures``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache


class ExitCode(enum.IntEnum):
    """What ``crmhub`` exits with; documented in ``crmhub --help``."""

    OK = 0
    FAILURE = 1  # a runtime failure: a system refused, a run failed
    USAGE = 2  # a wrong command line, or an invalid project configuration
    LOCKED = 3  # another run holds the lock
    STORE = 4  # the store is unreachable or its schema is out of date


class CrmhubError(Exception):
    """Base class of the engine's deliberate errors."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class UsageError(CrmhubError):
    """The command was asked for something that cannot be done as asked."""

    exit_code = ExitCode.USAGE


class ProjectNotFound(UsageError):
    """No ``crmhub.yaml`` where the project was looked for."""


class UnknownConnection(UsageError):
    """A connection name that the project does not declare."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file, located as precisely as we can.

    ``path`` is the dotted key path (``connections.erp.config.port``); ``line`` and ``column``
    are 1-based and None when the file could not be read at all.
    """

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None
    column: int | None = None

    def location(self) -> str:
        """``crmhub.yaml:14`` (or ``crmhub.yaml:14:3`` when the column matters)."""
        if self.line is None:
            return self.file
        if self.column is not None:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        where = f"{self.location()}: {self.path}: " if self.path else f"{self.location()}: "
        return where + self.message


class ConfigInvalid(CrmhubError):
    """The project configuration has one or more problems; all of them are in ``problems``."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[ConfigProblem]) -> None:
        if not problems:
            raise ValueError("ConfigInvalid needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        message = str(first) + (
            f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        )
        super().__init__(message, hint=first.hint)


@cache
def exit_codes() -> dict[type[BaseException], ExitCode]:
    """Error class -> exit code, for the errors that do not carry their own ``exit_code``."""
    from connectors.sdk.errors import ConfigError, ConnectorError, UnknownStream

    # The store's errors are CrmhubErrors and carry their exit codes; the connector SDK's
    # cannot (a connector never imports the engine), so they are mapped here.
    return {
        ConnectorError: ExitCode.FAILURE,
        ConfigError: ExitCode.USAGE,
        UnknownStream: ExitCode.USAGE,
    }


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code ``exc`` ends the command with."""
    if isinstance(exc, CrmhubError):
        return exc.exit_code
    table = exit_codes()
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return ExitCode.FAILURE
