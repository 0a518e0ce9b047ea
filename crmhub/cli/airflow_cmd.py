"""``crmhub airflow``: what the project's DAG files generate, and the pools they need.

Wired into the root app with ``app.add_typer(airflow_cmd.app, name="airflow")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

if TYPE_CHECKING:
    from rich.table import Table

    from crmhub.orchestration.plan import DagPlan
    from crmhub.orchestration.pools import PoolChange

EPILOG = (
    "Examples:\n\n  crmhub airflow dags\n\n  crmhub airflow pools\n\n"
    "  crmhub airflow pools --dry-run\n\n"
    "  crmhub airflow pools --json pools.json && airflow pools import pools.json\n\n"
    "The DAG file (dags/crmhub_dags.py) generates these DAGs for the project named by "
    "$CRMHUB_PROJECT or the Airflow Variable crmhub_project."
)

app = typer.Typer(
    help="Airflow: the DAGs generated from crmhub.yaml and the pools they run in.",
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.command("dags", epilog=EPILOG)
def dags(ctx: typer.Context) -> None:
    """List the DAGs Airflow will run for this project: ids, schedules, pools and assets."""
    from crmhub.orchestration.plan import plan_dags

    plan = plan_dags(state(ctx).project().config)
    out().print(_dags_table(plan))


@app.command("pools", epilog=EPILOG)
def pools(
    ctx: typer.Context,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Write the pools as `airflow pools import` JSON to FILE ('-' for stdout) "
            "instead of creating them.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the pools without touching Airflow.")
    ] = False,
) -> None:
    """Create or update one Airflow pool per connection, sized by its max_parallel."""
    from crmhub.orchestration.plan import plan_dags
    from crmhub.orchestration.pools import apply_pools, pools_json

    plan = plan_dags(state(ctx).project().config)
    if json_file is not None:
        text = pools_json(plan.pools)
        if str(json_file) == "-":
            typer.echo(text, nl=False)
            return
        json_file.write_text(text, encoding="utf-8")
        success_line(f"wrote {len(plan.pools)} pool(s) to {json_file}")
        return
    if dry_run:
        out().print(_pools_table(plan))
        return
    changes = apply_pools(plan.pools)
    out().print(_changes_table(changes))
    touched = sum(change.action != "unchanged" for change in changes)
    success_line(f"{len(changes)} pool(s) in Airflow, {touched} created or updated")


def _dags_table(plan: DagPlan) -> Table:
    from rich.table import Table

    table = Table(title=f"DAGs of project {escape(plan.project)}", title_justify="left")
    for column in ("dag id", "runs", "pool", "updates"):
        table.add_column(column)
    for spec in plan.ingest:
        table.add_row(spec.dag_id, spec.schedule or "manually", spec.pool, spec.asset)
    if plan.match is not None:
        runs = f"when any of {len(plan.match.triggers)} source asset(s) is updated"
        if plan.match.partitions > 1:
            runs += f"; {plan.match.partitions} partitions"
        table.add_row(plan.match.dag_id, runs, "", plan.match.asset)
    for pub in plan.publish:
        table.add_row(pub.dag_id, pub.schedule or f"when {pub.trigger} is updated", pub.pool, "")
    return table


def _pools_table(plan: DagPlan) -> Table:
    from rich.table import Table

    table = Table(title="Airflow pools", title_justify="left")
    table.add_column("pool")
    table.add_column("slots", justify="right")
    table.add_column("description")
    for pool in plan.pools:
        table.add_row(pool.name, str(pool.slots), pool.description)
    return table


def _changes_table(changes: list[PoolChange]) -> Table:
    from rich.table import Table

    table = Table(title="Airflow pools", title_justify="left")
    table.add_column("pool")
    table.add_column("slots", justify="right")
    table.add_column("change")
    for change in changes:
        what = change.action
        if change.action == "updated" and change.previous_slots != change.slots:
            what += f" (was {change.previous_slots} slots)"
        table.add_row(change.name, str(change.slots), what)
    return table
