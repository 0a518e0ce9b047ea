"""``crmhub quarantine``: records that could not be stored, why, and replaying them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

app = typer.Typer(
    help="Records that failed their mapping or validation: list, inspect, replay after a fix.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub quarantine list --connection erp\n\n  crmhub quarantine show 42\n\n"
           "  crmhub quarantine replay erp customers",
)


@app.command("list")
def list_(
    ctx: typer.Context,
    connection: Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection.")] = None,
    stream: Annotated[str | None, typer.Option("--stream", "-s", help="Only this stream.")] = None,
    resolved: Annotated[bool, typer.Option("--resolved", help="Include entries already resolved.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """List quarantined records, newest first, with the reason."""
    from rich.table import Table

    from crmhub.ingest.quarantine import list_entries

    engine = state(ctx).store_engine()
    entries = list_entries(engine, connection=connection, stream=stream, include_resolved=resolved, limit=limit)
    table = Table(title="Quarantine", title_justify="left")
    for column in ("id", "connection", "stream", "key", "where", "stage", "reason", "since"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(str(e.id), escape(e.connection), escape(e.stream), escape(e.source_key or "-"),
                      escape(e.position or ""), escape(e.stage), escape(e.reason),
                      e.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
    if not entries:
        table.caption = "nothing in quarantine"
    out().print(table)


@app.command("show")
def show(ctx: typer.Context, entry_id: Annotated[int, typer.Argument(metavar="ID", help="Entry id from `list`.")]) -> None:
    """Show one quarantined record: reason and raw payload as JSON."""
    from crmhub.errors import UsageError
    from crmhub.ingest.quarantine import get_entry

    entry = get_entry(state(ctx).store_engine(), entry_id)
    if entry is None:
        raise UsageError(f"no quarantine entry {entry_id}", hint="see `crmhub quarantine list`")
    out().print(f"[bold]#{entry.id}[/] {escape(entry.connection)}/{escape(entry.stream)} "
                f"key {escape(entry.source_key or '-')} ({escape(entry.position or 'no position')})")
    out().print(f"stage: {escape(entry.stage)}   resolved: {entry.resolved_at or 'no'}")
    out().print(f"[red]{escape(entry.reason)}[/]")
    out().print_json(json.dumps(entry.raw, ensure_ascii=False, default=str))


@app.command("replay")
def replay(
    ctx: typer.Context,
    connection: Annotated[str, typer.Argument(help="Connection whose entries to replay.")],
    stream: Annotated[str | None, typer.Argument(help="Stream (default: every stream of the connection).")] = None,
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only these entries (repeatable).")] = None,
) -> None:
    """Map quarantined records again with the current mapping; store those that now pass.

    Nothing is read from the source again. Records still failing stay in the quarantine.
    """
    from crmhub.config.connections import build_connector
    from crmhub.ingest.quarantine import replay as replay_entries
    from crmhub.ingest.sync import load_stream_mapping, selected_streams
    from crmhub.store import connection_lock, finish_run, start_run
    from crmhub.store.migrate import require_current

    cli = state(ctx)
    project = cli.project()
    names = selected_streams(project, connection, [stream] if stream else None)
    engine = cli.store_engine()
    require_current(engine)
    with build_connector(project, connection) as connector, connection_lock(engine, f"connection:{connection}"):
        mappings = {n: load_stream_mapping(project, connection, n, connector) for n in names}
        run_id = start_run(engine, "sync", connection)
        totals = {}
        try:
            for name in names:
                totals[name] = replay_entries(engine, connection, name, mappings[name], run_id, ids).as_dict()
        except BaseException as exc:
            finish_run(engine, run_id, "failed", totals, error=str(exc))
            raise
        finish_run(engine, run_id, "succeeded", totals)
    for name, counts in totals.items():
        stored = counts["read"] - counts["quarantined"]
        success_line(f"{connection}/{name}: {stored} stored, {counts['quarantined']} still failing")
