"""``crmhub sync``: read connections incrementally and store what changed, with progress."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out

if TYPE_CHECKING:
    from rich.table import Table

    from crmhub.ingest.sync import SyncReport

EPILOG = (
    "Examples:\n\n  crmhub sync erp\n\n  crmhub sync --all\n\n  crmhub sync shop --stream customers --workers 2\n\n"
    "Unchanged records are skipped by content hash; records that fail their mapping go to the "
    "quarantine (`crmhub quarantine list`). Exit 3 when another run of the connection holds its lock."
)

COUNT_COLUMNS = ("read", "new", "changed", "unchanged", "quarantined", "deleted", "echoes")


def sync(
    ctx: typer.Context,
    connections: Annotated[list[str] | None, typer.Argument(
        metavar="[CONNECTION]...", help="Connections to sync, as named in crmhub.yaml.", show_default=False)] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Sync every connection in crmhub.yaml.")] = False,
    stream: Annotated[list[str] | None, typer.Option(
        "--stream", "-s", help="Only these streams (repeatable); default: every enabled stream.",
        show_default=False)] = None,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=0, max=64,
        help="Processes that map and validate records in parallel (0: in this process).")] = 0,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=10, help="Records per transaction; memory is bounded by it.")] = 5000,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait for another run of the same connection to finish.")] = 0,
    full: Annotated[bool, typer.Option(
        "--full", help="Read everything from the beginning, ignoring the saved state (unchanged "
                       "records are still recognised and not written).")] = False,
    allow_mass_delete: Annotated[bool, typer.Option(
        "--allow-mass-delete",
        help="Let a complete snapshot (a file) mark more than half of a stream deleted at once.")] = False,
) -> None:
    """Read each connection's streams since their saved state and store what changed."""
    from crmhub.errors import UsageError
    from crmhub.ingest.pipeline import IngestOptions
    from crmhub.store.migrate import require_current

    cli = state(ctx)
    project = cli.project()
    names = list(project.config.connections) if all_ else list(connections or [])
    if not names:
        raise UsageError("name the connections to sync, or use --all",
                         hint=f"connections: {', '.join(project.config.connections) or 'none'}")
    for name in names:
        project.connection(name)  # an unknown name fails before anything runs
    engine = cli.store_engine()
    require_current(engine)
    options = IngestOptions(batch_size=batch_size, workers=workers, allow_mass_delete=allow_mass_delete,
                            full_refresh=full)
    reports = []
    try:
        for name in names:
            reports.append(_sync_one(project, engine, name, stream, options, wait))
    finally:
        engine.dispose()
    out().print(_summary(reports))


def _sync_one(project, engine, name, streams, options, wait) -> SyncReport:  # type: ignore[no-untyped-def]
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from crmhub.cli.progress import live_progress
    from crmhub.ingest.sync import sync_connection

    started = time.perf_counter()
    with live_progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as progress:
        tasks: dict[str, int] = {}

        def update(stream: str, counts) -> None:  # type: ignore[no-untyped-def]
            if stream not in tasks:
                tasks[stream] = progress.add_task("", total=None)
            rate = counts.read / max(time.perf_counter() - started, 1e-6)
            progress.update(tasks[stream], description=(
                f"{escape(name)}/{escape(stream)}: {counts.read:,} read ({rate:,.0f}/s), {counts.new:,} new, "
                f"{counts.changed:,} changed, {counts.quarantined:,} quarantined"))

        return sync_connection(project, engine, name, streams=streams, options=options,
                               lock_wait=wait, on_progress=update)


def _summary(reports: list[SyncReport]) -> Table:
    from rich.table import Table

    table = Table(title="Sync", title_justify="left")
    table.add_column("connection")
    table.add_column("stream")
    table.add_column("run", justify="right")
    for column in COUNT_COLUMNS:
        table.add_column(column, justify="right")
    for report in reports:
        for stream, counts in report.streams.items():
            values = counts.as_dict()
            cells = [f"{values[c]:,}" for c in COUNT_COLUMNS]
            if values["quarantined"]:
                cells[4] = f"[yellow]{cells[4]}[/]"
            table.add_row(escape(report.connection), escape(stream), f"#{report.run_id}", *cells)
    return table
