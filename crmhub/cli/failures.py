"""The one place where errors become messages and exit codes.

The exit code of an error comes from ``crmhub.errors.exit_code_for`` (the engine's ``crmhub run``
reports it too); anything not mapped there is a bug: exit 1, with the traceback under ``-v``.
"""

from __future__ import annotations

from crmhub.cli.output import err, error_line, escape
from crmhub.errors import ConfigInvalid, CrmhubError, ExitCode, exit_code_for, exit_codes
from crmhub.logging import mask_secrets

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 runtime failure; 2 usage or configuration error; "
    "3 another run holds the lock; 4 store unreachable or out of date."
)


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
