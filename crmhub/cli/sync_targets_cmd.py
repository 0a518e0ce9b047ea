"""``crmhub publish``, ``crmhub outbox`` and ``crmhub conflicts``: writing golden records to
targets, the changes waiting to be written, and the fields both sides changed.

Wiring (``crmhub/cli/main.py``)::

    app.command("publish", epilog=sync_targets_cmd.PUBLISH_EPILOG)(sync_targets_cmd.publish)
    app.add_typer(sync_targets_cmd.outbox_app, name="outbox")
    app.add_typer(sync_targets_cmd.conflicts_app, name="conflicts")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import err, escape, out, success_line

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from crmhub.config.project import Project
    from crmhub.sync import PlanReport, PublishReport

PUBLISH_EPILOG = (
    "Examples:\n\n  crmhub publish salesforce_contacts\n\n  crmhub publish erp_clienti --dry-run\n\n"
    "  crmhub publish salesforce_contacts --unlinked-csv stamp.csv\n\n"
    "Only fields that changed since the target last had them are written, as upserts by the "
    "golden id. Failed records are retried with backoff by later publishes; see them with "
    "`crmhub outbox list --status failed --status dead`. Exit 3 when another run holds the "
    "target or its connection."
)
VALUE_WIDTH = 60  # characters of a value shown in a table cell


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _when(at: Any) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else "-"


# -- crmhub publish ------------------------------------------------------------------------------


def publish(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="The target, as named under `targets:` in crmhub.yaml.")
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only show what would be written; change nothing anywhere."),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, help="Seconds to wait for another run of the target or its connection."
        ),
    ] = 0,
    retry_wait: Annotated[
        float,
        typer.Option(
            "--retry-wait",
            min=0,
            help="Seconds this publish may wait for failed records to come due again and retry them.",
        ),
    ] = 0,
    no_plan: Annotated[
        bool,
        typer.Option("--no-plan", help="Only write what is already in the outbox (skip the diff)."),
    ] = False,
    unlinked_csv: Annotated[
        Path | None,
        typer.Option(
            "--unlinked-csv",
            metavar="FILE",
            help="Write nothing; list the target's records matched to golden records but not "
            "carrying the hub's id (key, id field) to FILE ('-': stdout), for a one-time bulk "
            "update when a target that already held customers is connected.",
        ),
    ] = None,
) -> None:
    """Diff the golden records against TARGET and write the changes to it."""
    from crmhub.store.migrate import require_current
    from crmhub.sync import publish as run_publish

    cli = state(ctx)
    project = cli.project()
    engine = cli.store_engine()
    require_current(engine)
    if unlinked_csv is not None:
        _export_unlinked(project, engine, target, unlinked_csv)
        return
    try:
        report = _with_progress(
            target,
            lambda show: run_publish(
                project,
                engine,
                target,
                dry_run=dry_run,
                plan=not no_plan,
                lock_wait=wait,
                wait_for_retries=retry_wait,
                on_progress=show,
            ),
        )
    finally:
        engine.dispose()
    if report.plan is not None:
        out().print(_plan_table(report.plan))
        _print_problems(report.plan)
        if not dry_run:
            plan = report.plan
            out().print(
                f"outbox: {plan.queued:,} queued, {plan.kept:,} already waiting, "
                f"{plan.withdrawn:,} withdrawn"
            )
    if dry_run and report.plan is not None:
        out().print(_changes_table(report.plan))
        out().print("[bold]dry run[/]: nothing was queued or written")
        return
    out().print(_publish_table(report))
    if report.dead:
        err().print(
            f"[yellow]{report.dead} record(s) given up[/]: `crmhub outbox list --status "
            "dead` shows why, `crmhub outbox retry` tries them again"
        )


def _export_unlinked(project: Project, engine: Engine, target: str, path: Path) -> None:
    import sys

    from crmhub.sync.links import export_unlinked

    try:
        if str(path) == "-":
            count = export_unlinked(project, engine, target, sys.stdout)
        else:
            with path.open("w", encoding="utf-8", newline="") as file:
                count = export_unlinked(project, engine, target, file)
    finally:
        engine.dispose()
    err().print(
        f"{count:,} record(s) of {escape(target)} are matched to golden records but do not carry "
        "the hub's id. Stamp them once with the target's bulk tool (Salesforce Data Loader: "
        "update, key -> Id); the next cycle keeps them in sync.",
        soft_wrap=True,
    )


def _with_progress(target: str, run: Any) -> PublishReport:
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    from crmhub.cli.progress import live_progress

    with live_progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task(f"{escape(target)}: planning", total=None)

        def show(report: PublishReport) -> None:
            done = report.sent + report.failed + report.dead
            progress.update(
                task,
                total=max(report.due, done) or None,
                completed=done,
                description=f"{escape(target)}: {report.sent:,} written, "
                f"{report.failed + report.dead:,} failed",
            )

        result: PublishReport = run(show)
        return result


def _plan_table(plan: PlanReport) -> Table:
    from rich.table import Table

    table = Table(title=f"Plan: {escape(plan.target)}", title_justify="left")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome, count in sorted(plan.outcomes.items()):
        table.add_row(escape(outcome), f"{count:,}")
    for resolution, count in sorted(plan.conflicts.items()):
        table.add_row(f"conflicts decided {escape(resolution)}", f"{count:,}")
    return table


def _changes_table(plan: PlanReport) -> Table:
    from rich.table import Table

    table = Table(title="Changes (first ones)", title_justify="left")
    for column in ("golden id", "outcome", "operation", "fields"):
        table.add_column(column, overflow="fold")
    for change in plan.changes:
        fields = ", ".join(f"{k}={_short(v)}" for k, v in change.payload.items())
        table.add_row(change.golden_id, change.outcome, change.operation, escape(fields))
    if not plan.changes:
        table.caption = "nothing to write"
    return table


def _print_problems(plan: PlanReport) -> None:
    for golden_id, problem in plan.problems:
        err().print(f"[yellow]golden record {golden_id}[/]: {escape(problem)}", soft_wrap=True)


def _publish_table(report: PublishReport) -> Table:
    from rich.table import Table

    table = Table(title=f"Publish: {escape(report.target)}", title_justify="left")
    for column in (
        "run",
        "written",
        "created",
        "updated",
        "unchanged",
        "retry later",
        "dead",
        "still waiting",
        "dead in total",
    ):
        table.add_column(column, justify="right")
    o = report.outcomes
    dead = f"[red]{report.dead:,}[/]" if report.dead else "0"
    table.add_row(
        f"#{report.run_id}",
        f"{report.sent:,}",
        f"{o['created']:,}",
        f"{o['updated']:,}",
        f"{o['unchanged']:,}",
        f"{report.failed:,}",
        dead,
        f"{report.waiting:,}",
        f"{report.dead_total:,}",
    )
    return table


# -- crmhub outbox -------------------------------------------------------------------------------

outbox_app = typer.Typer(
    help="Changes waiting to be written to targets: list them, retry the ones given up.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub outbox list --status dead\n\n  crmhub outbox retry 12 15\n\n"
    "  crmhub outbox retry --all --target salesforce_contacts",
)


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Only this target.")] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status", "-s", help="Only these statuses (repeatable): pending, failed, dead, sent."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="At most this many, newest first.")
    ] = 50,
) -> None:
    """List outbox rows, newest first, with their attempts and last error."""
    from rich.table import Table

    from crmhub.sync import list_outbox

    entries = list_outbox(
        state(ctx).store_engine(), target=target, statuses=status or (), limit=limit
    )
    table = Table(title="Outbox", title_justify="left")
    for column in (
        "id",
        "target",
        "golden id",
        "operation",
        "status",
        "attempts",
        "next try",
        "fields",
        "last error",
    ):
        table.add_column(column, overflow="fold")
    colours = {"dead": "red", "failed": "yellow", "sent": "green"}
    for e in entries:
        colour = colours.get(e.status, "default")
        table.add_row(
            str(e.id),
            escape(e.target),
            e.golden_id,
            e.operation,
            f"[{colour}]{e.status}[/]",
            str(e.attempts),
            _when(e.next_attempt_at),
            escape(", ".join(e.payload)),
            escape(e.last_error or ""),
        )
    if not entries:
        table.caption = "the outbox is empty" if not (target or status) else "no such rows"
    out().print(table)


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    ids: Annotated[
        list[int] | None,
        typer.Argument(metavar="[ID]...", help="Dead rows to retry.", show_default=False),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Retry every dead row.")] = False,
    target: Annotated[
        str | None, typer.Option("--target", "-t", help="Only this target's rows.")
    ] = None,
) -> None:
    """Give dead rows a new set of attempts; the next `crmhub publish` writes them."""
    from crmhub.sync import retry_dead

    count = retry_dead(state(ctx).store_engine(), target=target, ids=ids or (), all_=all_)
    success_line(f"{count} dead row(s) queued again")


# -- crmhub conflicts ----------------------------------------------------------------------------

conflicts_app = typer.Typer(
    help="Fields both the hub and a target changed: list them, settle the ones left to a steward.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub conflicts list\n\n  crmhub conflicts list --all --target erp_clienti"
    "\n\n  crmhub conflicts resolve 7 --keep hub --actor anna",
)


@conflicts_app.command("list")
def conflicts_list(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Only this target.")] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all", "-a", help="Include conflicts already decided (by policy or by a steward)."
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="At most this many, newest first.")
    ] = 50,
) -> None:
    """List open conflicts (those waiting for a steward), newest first."""
    from rich.table import Table

    from crmhub.sync import list_conflicts

    entries = list_conflicts(
        state(ctx).store_engine(), target=target, open_only=not all_, limit=limit
    )
    table = Table(title="Conflicts" if all_ else "Open conflicts", title_justify="left")
    for column in (
        "id",
        "target",
        "golden id",
        "field",
        "hub value",
        "target value",
        "policy",
        "resolution",
        "at",
        "by",
    ):
        table.add_column(column, overflow="fold")
    for c in entries:
        resolution = "[yellow]open[/]" if c.is_open else escape(c.resolution)
        table.add_row(
            str(c.id),
            escape(c.target),
            c.golden_id,
            escape(c.field),
            escape(_short(c.hub_value)),
            escape(_short(c.target_value)),
            c.policy,
            resolution,
            _when(c.at),
            escape(c.resolved_by or ""),
        )
    if not entries:
        table.caption = "no open conflicts" if not all_ else "no conflicts"
    out().print(table)


@conflicts_app.command("resolve")
def conflicts_resolve(
    ctx: typer.Context,
    conflict_id: Annotated[int, typer.Argument(metavar="ID", help="An open conflict's id.")],
    keep: Annotated[
        str,
        typer.Option(
            "--keep",
            help="'hub': the next publish writes the hub's value; 'target': the target's "
            "value stands.",
        ),
    ],
    actor: Annotated[str, typer.Option("--actor", help="Who decides (recorded).")] = "steward",
) -> None:
    """Settle an open conflict; the next `crmhub publish` carries out the choice."""
    from crmhub.sync import resolve_conflict

    entry = resolve_conflict(state(ctx).store_engine(), conflict_id, keep, actor)
    success_line(
        f"conflict {conflict_id} ({entry.target}, {entry.golden_id}, {entry.field}): "
        f"keeping the {keep}'s value"
    )
