"""``crmhub status``: the store at a glance: revision, table sizes, recent runs, connections."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out

if TYPE_CHECKING:
    from rich.table import Table

    from crmhub.store.status import ConnectionStatus, RunSummary, StoreStatus

EPILOG = (
    "Examples:\n\n  crmhub status\n\n  crmhub status --runs 50\n\n"
    "Exit 4 when the store cannot be reached or is not migrated (run `crmhub db upgrade`)."
)

RUN_STATUS_STYLE = {
    "succeeded": "green",
    "running": "cyan",
    "failed": "red",
    "interrupted": "yellow",
}


def status(
    ctx: typer.Context,
    runs: Annotated[int, typer.Option("--runs", min=1, help="How many recent runs to show.")] = 10,
) -> None:
    """Show the store's revision, table counts, recent runs and each connection's state."""
    from crmhub.errors import ProjectNotFound
    from crmhub.store.errors import StoreOutOfDate
    from crmhub.store.migrate import UPGRADE_HINT
    from crmhub.store.status import store_status

    cli = state(ctx)
    engine = cli.store_engine()
    try:
        snapshot = store_status(engine, recent=runs)
    finally:
        engine.dispose()
    out().print(
        f"[bold]store[/] {escape(snapshot.url)}  revision {escape(snapshot.revision or 'none')}",
        soft_wrap=True,
    )
    if not snapshot.up_to_date:
        raise StoreOutOfDate(
            f"the store is at revision {snapshot.revision or 'none'}, this crmhub needs {snapshot.head}",
            hint=UPGRADE_HINT,
        )
    try:
        configured = sorted(cli.project().config.connections)
    except ProjectNotFound:
        configured = []  # a store named by --database-url alone: show what it knows
    out().print(_counts_table(snapshot))
    out().print(_connections_table(snapshot, configured))
    out().print(_runs_table(snapshot.recent_runs))


def _counts_table(snapshot: StoreStatus) -> Table:
    from rich.table import Table

    table = Table(title="Tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in snapshot.table_counts.items():
        table.add_row(name, f"{count:,}")
    return table


def _connections_table(snapshot: StoreStatus, configured: list[str]) -> Table:
    from rich.table import Table

    known: dict[str, ConnectionStatus | None] = {name: None for name in configured}
    known.update({c.connection: c for c in snapshot.connections})
    table = Table(title="Connections", title_justify="left")
    for column in (
        "connection",
        "last run",
        "status",
        "finished",
        "streams with state",
        "state saved",
    ):
        table.add_column(column)
    for name in sorted(known):
        info = known[name]
        last = info.last_run if info else None
        table.add_row(
            escape(name)
            + ("" if name in configured or not configured else " [dim](not configured)[/]"),
            f"#{last.id} {escape(last.kind)}" if last else "[dim]never[/]",
            _status_cell(last.status) if last else "",
            _when(last.finished_at) if last else "",
            escape(", ".join(sorted(info.stream_states)))
            if info and info.stream_states
            else "[dim]none[/]",
            _when(info.state_updated_at) if info else "",
        )
    if not known:
        table.caption = "no connections configured or recorded"
    return table


def _runs_table(runs: list[RunSummary]) -> Table:
    from rich.table import Table

    table = Table(title="Recent runs", title_justify="left")
    for column in ("run", "kind", "connection", "status", "started", "finished", "counts", "error"):
        table.add_column(column, overflow="fold")
    for run in runs:
        table.add_row(
            f"#{run.id}",
            escape(run.kind),
            escape(run.connection or "-"),
            _status_cell(run.status),
            _when(run.started_at),
            _when(run.finished_at),
            _counts(run.counts),
            f"[red]{escape(run.error)}[/]" if run.error else "",
        )
    if not runs:
        table.caption = "no runs yet"
    return table


def _status_cell(status: str) -> str:
    style = RUN_STATUS_STYLE.get(status)
    return f"[{style}]{escape(status)}[/]" if style else escape(status)


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _counts(counts: dict[str, Any] | None) -> str:
    """``read 21, new 20`` for flat counts; ``customers: read 21, new 20`` per stream for a sync's
    nested ones. Zeros are left out: they are most of a quiet run's numbers."""
    if not counts:
        return ""
    flat = {k: v for k, v in counts.items() if not isinstance(v, dict)}
    nested = {k: v for k, v in counts.items() if isinstance(v, dict)}
    parts = [_flat_counts(flat)] if flat else []
    parts += [f"{stream}: {_flat_counts(inner) or 'nothing new'}" for stream, inner in nested.items()]
    return escape("; ".join(p for p in parts if p))


# The order people read a run's numbers in (PostgreSQL's JSONB does not keep key order).
COUNT_ORDER = ("read", "new", "changed", "unchanged", "quarantined", "deleted", "echoes")


def _flat_counts(counts: dict[str, Any]) -> str:
    ordered = sorted(counts.items(), key=lambda kv: (COUNT_ORDER.index(kv[0]) if kv[0] in COUNT_ORDER
                                                     else len(COUNT_ORDER), kv[0]))
    return ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in ordered if v)
