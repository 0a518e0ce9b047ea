"""``crmhub``: the command line. Builds the app, its global options and its command groups.

Each command group lives in its own module and imports what it needs (pydantic, SQLAlchemy,
rich tables) inside its commands, so that ``crmhub --help`` does not pay for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from crmhub.cli import (
    airflow_cmd,
    config_cmd,
    connectors_cmd,
    db_cmd,
    demo_cmd,
    golden_cmd,
    init_cmd,
    mappings_cmd,
    match_cmd,
    quarantine_cmd,
    run_cmd,
    serve_cmd,
    status_cmd,
    steward_cmd,
    sync_cmd,
    sync_targets_cmd,
    users_cmd,
)
from crmhub.cli.context import CliState
from crmhub.cli.failures import EXIT_CODES_HELP


class CrmhubGroup(TyperGroup):
    """The root command: every error raised by any command is reported here, once."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # typer's own: --help, usage errors, ctrl-c
        except Exception as exc:  # noqa: BLE001 - every failure is reported here, once
            from crmhub.cli.failures import report

            found = ctx.obj
            verbose = isinstance(found, CliState) and found.verbosity > 0
            raise typer.Exit(int(report(exc, verbose=verbose))) from None


EPILOG = f"""Examples:

  crmhub demo                      # a spreadsheet, an ERP and a fake Salesforce, synced

  crmhub init demo && cd demo && crmhub db upgrade && crmhub run && crmhub status

  crmhub --project /srv/crm config validate

  CRMHUB_DATABASE_URL=postgresql://crmhub@db/crmhub crmhub db current

{EXIT_CODES_HELP}"""

app = typer.Typer(
    cls=CrmhubGroup,
    name="crmhub",
    help="crmhub: an integration hub for customer data. Connect systems, match and merge "
    "customers into golden records, and sync them back.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"crmhub {version('crmhub')}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-p",
            metavar="DIR",
            help="Project directory holding crmhub.yaml (default: $CRMHUB_PROJECT, else the current "
            "directory).",
            show_default=False,
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Store database URL; overrides $CRMHUB_DATABASE_URL, then database_url in "
            "crmhub.yaml, then sqlite:///<project>/crmhub.db.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="More output: -v shows info logs and tracebacks on errors, -vv debug logs.",
        ),
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Global options, read before any command runs."""
    from crmhub.logging import setup_logging

    ctx.obj = CliState(project_option=project, database_url_option=database_url, verbosity=verbose)
    setup_logging(verbose)


app.command("init", epilog=init_cmd.EPILOG)(init_cmd.init)
app.command("status", epilog=status_cmd.EPILOG)(status_cmd.status)
app.command("run", epilog=run_cmd.EPILOG)(run_cmd.run)
app.command("sync", epilog=sync_cmd.EPILOG)(sync_cmd.sync)
app.command("publish", epilog=sync_targets_cmd.PUBLISH_EPILOG)(sync_targets_cmd.publish)
app.command("serve", epilog=serve_cmd.EPILOG)(serve_cmd.serve)
app.command("demo", epilog=demo_cmd.EPILOG)(demo_cmd.demo)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(connectors_cmd.app, name="connectors")
app.add_typer(mappings_cmd.app, name="mappings")
app.add_typer(match_cmd.app, name="match")
app.add_typer(quarantine_cmd.app, name="quarantine")
app.add_typer(sync_targets_cmd.outbox_app, name="outbox")
app.add_typer(sync_targets_cmd.conflicts_app, name="conflicts")
app.add_typer(steward_cmd.app, name="steward")
app.add_typer(golden_cmd.app, name="golden")
app.add_typer(users_cmd.app, name="users")
app.add_typer(airflow_cmd.app, name="airflow")
