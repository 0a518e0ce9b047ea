"""``crmhub db``: migrate the store's schema and show its revision."""

from __future__ import annotations

from typing import Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

app = typer.Typer(
    help="Create and migrate the hub store's tables.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub db upgrade\n\n  crmhub db current --check  (exit 4 when not at head)"
    "\n\n  crmhub --database-url postgresql://crmhub@db/crmhub db downgrade base --yes",
)


def _migration_error(exc: Exception, revision: str) -> Exception:
    from crmhub.errors import UsageError

    return UsageError(
        f"cannot migrate to revision {revision!r}: {exc}",
        hint="`crmhub db current` shows the revisions; 'base' removes every table",
    )


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create the store's tables, or migrate them to this crmhub's revision."""
    from crmhub.store.engine import masked_url
    from crmhub.store.migrate import current_revision, head_revision
    from crmhub.store.migrate import upgrade as run_upgrade

    url = state(ctx).database_url()
    before = current_revision(url)
    run_upgrade(url)
    head = head_revision()
    if before == head:
        success_line(f"store at {masked_url(url)} is already at {head}")
    else:
        success_line(f"store at {masked_url(url)} upgraded from {before or 'empty'} to {head}")


@app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str,
        typer.Argument(
            metavar="REVISION", help="Target revision id, or 'base' to drop every table."
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Migrate the store down to REVISION (data in dropped tables and columns is lost)."""
    from alembic.util import CommandError

    from crmhub.store.engine import masked_url
    from crmhub.store.migrate import downgrade as run_downgrade

    url = state(ctx).database_url()
    if not yes:
        typer.confirm(
            f"Downgrade the store at {masked_url(url)} to {revision}? Data may be lost", abort=True
        )
    try:
        run_downgrade(url, revision)
    except CommandError as exc:
        raise _migration_error(exc, revision) from None
    success_line(f"store at {masked_url(url)} downgraded to {revision}")


@app.command("current")
def current(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 4 when the store is not at this crmhub's revision."),
    ] = False,
) -> None:
    """Show the store's schema revision and the one this crmhub needs."""
    from crmhub.errors import ExitCode
    from crmhub.store.engine import masked_url
    from crmhub.store.migrate import current_revision, head_revision

    url = state(ctx).database_url()
    revision, head = current_revision(url), head_revision()
    out().print(f"store:    {escape(masked_url(url))}", soft_wrap=True)
    out().print(f"revision: {escape(revision or 'none (empty store)')}")
    out().print(f"needed:   {escape(head)}")
    if revision == head:
        out().print("[green]up to date[/]")
        return
    out().print("[yellow]out of date: run `crmhub db upgrade`[/]")
    if check:
        raise typer.Exit(int(ExitCode.STORE))
