"""The one place where errors become messages and exit codes.

``EXIT_CODES`` maps error classes (the engine's, the connector SDK's and the store's) to the exit
codes documented in ``crmhub --help``; the most specific class listed wins. Anything not listed
is a bug: exit 1, with the traceback under ``-v``.
"""

from __future__ import annotations

from functools import cache

from crmhub.cli.output import err, error_line, escape
from crmhub.errors import ConfigInvalid, CrmhubError, ExitCode
from crmhub.logging import mask_secrets

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 runtime failure; 2 usage or configuration error; "
    "3 another run holds the lock; 4 store unreachable or out of date."
)


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


def _is_expected(exc: BaseException) -> bool:
    return isinstance(exc, CrmhubError) or any(cls in exit_codes() for cls in type(exc).__mro__)


def _message_and_hint(exc: BaseException) -> tuple[str, str | None]:
    if isinstance(exc, CrmhubError):
        return exc.message, exc.hint
    if not _is_expected(exc):
        return (
            f"unexpected {type(exc).__name__}: {exc}",
            "rerun with -v for the traceback, and report it",
        )
    # A ConnectorError keeps the message in args[0] and the hint apart.
    return (str(exc.args[0]) if exc.args else str(exc)), getattr(exc, "hint", None)


def report(exc: BaseException, *, verbose: bool) -> ExitCode:
    """Print ``exc`` for a person (and its traceback with ``verbose``); return the exit code."""
    if verbose:
        import traceback

        text = "".join(traceback.format_exception(exc))
        err().print(mask_secrets(text), markup=False, style="dim", soft_wrap=True)
    if isinstance(exc, ConfigInvalid):
        for problem in exc.problems:
            error_line(str(problem), problem.hint)
        count = len(exc.problems)
        err().print(
            f"[red]{count} problem{'s' if count > 1 else ''} in {escape(exc.problems[0].file)}[/]",
            soft_wrap=True,
        )
    else:
        message, hint = _message_and_hint(exc)
        error_line(mask_secrets(message), mask_secrets(hint) if hint else None)
    return exit_code_for(exc)
