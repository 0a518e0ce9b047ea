"""Where the command line writes: results to stdout, errors and progress to stderr.

Rich is imported on first use, so ``crmhub --help`` stays fast.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    """The console for results (stdout)."""
    from rich.console import Console

    return Console(highlight=False)


@cache
def err() -> Console:
    """The console for errors, warnings and hints (stderr)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def escape(text: object) -> str:
    """``text`` safe to print with rich markup on (``[brackets]`` in a message stay literal)."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def error_line(message: str, hint: str | None = None) -> None:
    """One red line naming what went wrong, and a dim ``hint:`` line with the fix, on stderr."""
    err().print(f"[bold red]error:[/] [red]{escape(message)}[/]", soft_wrap=True)
    if hint:
        err().print(f"  [dim]hint: {escape(hint)}[/]", soft_wrap=True)


def success_line(message: str) -> None:
    """A green line on stdout confirming what was done."""
    out().print(f"[green]✓[/] {escape(message)}", soft_wrap=True)
