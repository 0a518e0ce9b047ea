"""``crmhub demo``: a small messy world on this machine, synced in one command.

Wired into the root app with ``app.command("demo", epilog=demo_cmd.EPILOG)(demo_cmd.demo)``.
The work is in ``crmhub.demo``; this module asks for it and shows what happened.
"""

from __future__ import annotations

import os
import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import err, escape, out, success_line

if TYPE_CHECKING:
    from rich.status import Status

    from crmhub.cycle import CycleEvent, CycleReport
    from crmhub.demo import Demo, DemoRun

EPILOG = """Examples:

  crmhub demo                        (build ./crmhub-demo and run the whole cycle on it)

  crmhub demo /tmp/acme --erp postgresql --size 200 --seed 7

  crmhub demo --force                (rebuild ./crmhub-demo from scratch)

  crmhub demo --serve-salesforce     (serve the demo's Salesforce, for `crmhub run` meanwhile)

The ERP is a database on the local MariaDB or PostgreSQL server, reached through ODBC as a
real ERP would be: --erp auto takes the first one reachable and goes on without an ERP when
none is; --erp none leaves it out. Salesforce is crmhub's fake org on loopback; its data is
kept in DIR/salesforce-org.json between commands."""

SERVE_SECRET_HINT = (
    'CRMHUB_WEB_SECRET="$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")"'
)


class ErpChoice(StrEnum):
    auto = "auto"
    mariadb = "mariadb"
    postgresql = "postgresql"
    none = "none"


def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder for the demo project.")
    ] = Path("crmhub-demo"),
    erp: Annotated[
        ErpChoice, typer.Option("--erp", help="Where the ERP database lives.", case_sensitive=False)
    ] = ErpChoice.auto,
    size: Annotated[
        int, typer.Option("--size", min=8, max=5000, help="Customers in the world, in all.")
    ] = 60,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated customers.")] = 2026,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild an existing demo in DIR from scratch.")
    ] = False,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Port of the fake Salesforce (default: a free one).",
            show_default=False,
        ),
    ] = None,
    serve_salesforce: Annotated[
        bool,
        typer.Option(
            "--serve-salesforce",
            help="Serve the existing demo's Salesforce in the foreground (Ctrl-C stops it) "
            "instead of building, so `crmhub run` can sync again.",
        ),
    ] = False,
) -> None:
    """Build a spreadsheet, an ERP and a Salesforce org with overlapping, messy customers,
    write a project for them and run the whole cycle: ingest, match and merge, publish."""
    if serve_salesforce:
        _serve(directory)
        return
    from crmhub.demo import build_demo, prepare_store, run_demo_cycles

    store_url = _store_url(ctx)
    with err().status("building the demo world...") as status:
        built = build_demo(
            directory, erp_choice=erp.value, size=size, seed=seed, force=force, port=port,
            store_url=store_url,
        )  # fmt: skip
        status.update("migrating the store...")
        engine = prepare_store(built)
        _show_world(built)
        status.update("running the cycle...")
        try:
            run = run_demo_cycles(built, engine, on_event=lambda e: _show_step(status, e))
        finally:
            engine.dispose()
    _show_run(built, run)
    if not run.first.ok:
        raise typer.Exit(int(run.first.exit_code))


def _store_url(ctx: typer.Context) -> str | None:
    from crmhub.config.project import DATABASE_URL_ENV
    from crmhub.errors import UsageError

    option = state(ctx).database_url_option
    if option is None and os.environ.get(DATABASE_URL_ENV):
        raise UsageError(
            f"${DATABASE_URL_ENV} is set: commands in the demo folder would use that store, "
            "not the demo's",
            hint=f"unset {DATABASE_URL_ENV} (the demo keeps its own store in DIR/crmhub.db), "
            "or pass --database-url to choose the demo's store explicitly",
        )
    return option


def _show_step(status: Status, event: CycleEvent) -> None:
    if event.phase == "started":
        status.update(f"running the cycle: {event.kind} {escape(event.name)}...")


# -- what was built --------------------------------------------------------------------------------


def _show_world(built: Demo) -> None:
    from crmhub.demo.project import SPREADSHEET_FILE
    from crmhub.demo.salesforce import ORG_FILE

    world, root = built.world, built.root
    success_line(f"demo world built in {root}: {len(world.customers)} customers")
    out().print(f"  spreadsheet  {escape(root / SPREADSHEET_FILE)}: {len(world.spreadsheet)} rows")
    if built.erp:
        out().print(
            f"  ERP          {built.erp.kind} database {built.erp_database} on "
            f"{built.erp.host}:{built.erp.port}: {len(world.erp)} rows in clienti"
        )
    else:
        out().print(
            "  ERP          [yellow]left out[/]: no MariaDB or PostgreSQL server reachable "
            "through ODBC (start one and rebuild with --force, or pass --erp)"
        )
    out().print(
        f"  Salesforce   fake org on 127.0.0.1:{built.port}, kept in {escape(root / ORG_FILE)}: "
        f"{len(world.contacts)} contacts, {len(world.accounts)} accounts"
    )
    out().print(
        f"  project      {escape(root / 'crmhub.yaml')} and {len(built.files) - 2} mappings\n"
    )


# -- what the cycle did ----------------------------------------------------------------------------


def _show_run(built: Demo, run: DemoRun) -> None:
    from crmhub.cli.run_cmd import print_report

    print_report(run.first)
    if not run.first.ok:
        return
    if run.second is not None:
        out().print(
            f"\nSalesforce held {run.linked} records the hub matched to golden records but that "
            "did not carry the hub's id (Crmhub_Id__c), so the hub left them alone instead of "
            "writing duplicates beside them. The demo stamped the ids on them, as a Salesforce "
            "admin does once with a data load, and ran the cycle again:"
        )
        for line in _written(run.second):
            out().print(f"  {line}")
    _show_examples(built)
    _show_next(built)


def _written(report: CycleReport) -> list[str]:
    lines = []
    for step in report.publishes:
        outcomes = step.report.outcomes if step.report else {}
        done = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()) if n)
        lines.append(f"{escape(step.name)}: {done or 'nothing to write'} ({step.status})")
    return lines


def _show_examples(built: Demo) -> None:
    from rich.table import Table

    from crmhub.demo.examples import story_examples
    from crmhub.store.engine import create_store_engine

    engine = create_store_engine(built.store_url)
    try:
        examples = story_examples(engine, built.world)
    finally:
        engine.dispose()
    table = Table(title="What it merged (a few golden records)", title_justify="left")
    for column in ("golden record", "e-mail / phone", "marketing e-mail", "merged from", "shows"):
        table.add_column(column)
    for e in examples:
        table.add_row(
            escape(e.name), escape(f"{e.email or '-'}\n{e.phone or '-'}"),
            escape(e.marketing_email or "-"), escape("\n".join(e.sources)), escape(e.story),
        )  # fmt: skip
    out().print(table)


def _show_next(built: Demo) -> None:
    from crmhub.demo.build import ADMIN_USER
    from crmhub.demo.salesforce import CLIENT_SECRET, ORG_FILE, SECRET_ENV

    root = escape(built.root)
    out().print(
        "\n[bold]Open the workbench[/] (review queue, customers, audit log):\n"
        f"  {escape(SERVE_SECRET_HINT)} crmhub --project {root} serve\n"
        f"  then http://127.0.0.1:8000 as [bold]{ADMIN_USER}[/], password "
        f"[bold]{escape(built.admin_password)}[/] (shown once; change it with crmhub users)\n"
        "\n[bold]Change something and sync again[/] (the newest value wins): a row of "
        "data/contatti.csv with a later AGGIORNATO, a row of the ERP's clienti table, or a "
        f"record in {ORG_FILE} while the fake is stopped; then\n"
        f"  terminal 1: crmhub demo {root} --serve-salesforce\n"
        f"  terminal 2: export {SECRET_ENV}={CLIENT_SECRET}   (the fake org's published secret)\n"
        f"              crmhub --project {root} run"
    )


# -- serving the fake org ----------------------------------------------------------------------


def _serve(directory: Path) -> None:
    from crmhub.demo import read_marker
    from crmhub.demo.salesforce import CLIENT_SECRET, ORG_FILE, SECRET_ENV, serve

    port = int(read_marker(directory)["port"])

    def edits(count: int) -> None:
        if count:
            err().print(
                f"{count} records edited in {ORG_FILE} since it was saved: stamped as changed now"
            )

    err().print(
        f"demo Salesforce on http://127.0.0.1:{port}, data in {escape(directory / ORG_FILE)} "
        "(saved after every write); Ctrl-C stops it\n"
        f"in another terminal: export {SECRET_ENV}={CLIENT_SECRET} && "
        f"crmhub --project {escape(directory)} run",
        soft_wrap=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # `kill` stops it as Ctrl-C does
    try:
        serve(directory, port, on_edits=edits, stop=stop)
    except KeyboardInterrupt:
        pass
    err().print("stopped; the org is saved")
