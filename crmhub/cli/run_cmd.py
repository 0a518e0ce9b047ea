"""``crmhub run``: the whole cycle (ingest every connection, match and merge, publish every
target) with progress while it runs and a summary table at the end.

Wired into the root app with
``app.command("run", epilog=run_cmd.EPILOG)(run_cmd.run)``. ``print_report`` renders a
``CycleReport`` for any command that runs a cycle (``crmhub demo``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import err, error_line, escape, out

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from crmhub.cycle import CycleEvent, CycleReport, StepResult

EPILOG = (
    "Examples:\n\n  crmhub run\n\n  crmhub run -c erp -c shop -t salesforce_contacts\n\n"
    "  crmhub run --full-match --wait 600 --json > cycle.json\n\n"
    "Ingests every connection with an enabled stream (in crmhub.yaml order), matches and merges, "
    "then publishes every enabled target. A connection that fails does not stop the others; a "
    "target whose connection could not be read, or every target when the match fails, is "
    "skipped, so nothing is written blind. Exit 0 when every step succeeded; otherwise the "
    "failed steps' exit code when they agree (3: only locks were busy), else 1."
)

INGEST_COLUMNS = ("read", "new", "changed", "unchanged", "deleted", "quarantined", "echoes")
MATCH_COLUMNS = (
    ("records", "records"),
    ("pairs", "candidate_pairs"),
    ("merged", "merged"),
    ("to review", "to_review"),
    ("golden created", "golden_created"),
    ("golden changed", "golden_changed"),
)
PUBLISH_COLUMNS = ("created", "updated", "unchanged", "failed", "dead", "conflicts", "waiting")
STATUS_STYLE = {"succeeded": "green", "failed": "bold red", "skipped": "yellow"}
STATUS_MARK = {"succeeded": "✓", "failed": "✗ failed", "skipped": "– skipped"}


def run(
    ctx: typer.Context,
    connection: Annotated[
        list[str] | None,
        typer.Option(
            "--connection",
            "-c",
            help="Only ingest these connections (repeatable); default: every connection "
            "with an enabled stream.",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="Only publish these targets (repeatable); default: every enabled target.",
            show_default=False,
        ),
    ] = None,
    full_match: Annotated[
        bool,
        typer.Option("--full-match", help="Re-estimate the match model from the data first."),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, help="Seconds each step waits for another run holding its lock."
        ),
    ] = 0,
    retry_wait: Annotated[
        float,
        typer.Option(
            "--retry-wait",
            min=0,
            help="Seconds each publish may wait for failed records to come due and retry them.",
        ),
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the cycle's report as JSON instead of tables.")
    ] = False,
) -> None:
    """Run the whole cycle: ingest, match and merge, publish (see the examples)."""
    from crmhub.cycle import run_cycle
    from crmhub.store.migrate import require_current

    cli = state(ctx)
    project = cli.project()
    engine = cli.store_engine()
    require_current(engine)
    try:
        with _progress() as show:
            report = run_cycle(
                project,
                engine,
                connections=connection,
                targets=target,
                full_match=full_match,
                lock_wait=wait,
                on_event=show,
                publish_retry_wait=retry_wait,
            )
    finally:
        engine.dispose()
    if as_json:
        out().print_json(json.dumps(report.as_dict()))
    else:
        print_report(report)
    if not report.ok:
        raise typer.Exit(int(report.exit_code))


@contextmanager
def _progress() -> Iterator[Callable[[CycleEvent], None]]:
    """An ``on_event`` callback drawing one line per step on stderr."""
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

    from crmhub.cli.progress import live_progress

    with live_progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()
    ) as progress:
        tasks: dict[tuple[str, str], int] = {}

        def show(event: CycleEvent) -> None:
            key = (event.kind, event.name)
            if key not in tasks:
                tasks[key] = progress.add_task(_label(event), total=None)
            _update(progress, tasks[key], event)

        yield show


def _label(event: CycleEvent) -> str:
    return f"{event.kind} {escape(event.name)}"


def _update(progress: Progress, task: int, event: CycleEvent) -> None:
    label = _label(event)
    if event.phase == "finished" and event.result is not None:
        status = event.result.status
        text = f"{label}: [{STATUS_STYLE[status]}]{status}[/]"
        progress.update(task, description=text, total=1, completed=1)
    elif event.phase == "progress":
        description = f"{label}: {escape(event.text)}"
        progress.update(task, description=description, total=event.total, completed=event.done)


# -- the summary ---------------------------------------------------------------------------------


def print_report(report: CycleReport) -> None:
    """The cycle's summary tables on stdout, then each failed or skipped step on stderr."""
    for table in summary_tables(report):
        out().print(table)
    for step in report.failures():
        what = f"{step.kind} {step.name}"
        if step.status == "failed":
            error_line(f"{what}: {step.error}", step.hint)
        else:
            err().print(f"[yellow]{escape(what)}[/]: {escape(step.error)}", soft_wrap=True)
    colour = "green" if report.ok else "red"
    steps = len(report.steps())
    failed = len(report.failures())
    out().print(
        f"[{colour}]cycle: {steps - failed} of {steps} steps succeeded[/] in {report.seconds:.1f}s"
    )


def summary_tables(report: CycleReport) -> list[Table]:
    """One table per kind of step: ingests, the match, publishes."""
    tables = [_ingest_table(report)] if report.ingests else []
    if report.match is not None:
        tables.append(_match_table(report.match))
    if report.publishes:
        tables.append(_publish_table(report))
    return tables


def _table(title: str, first: str, columns: tuple[str, ...]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(first, no_wrap=True)
    table.add_column("", no_wrap=True)
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("s", justify="right")
    return table


def _cells(step: StepResult[Any], values: list[int]) -> list[str]:
    status = f"[{STATUS_STYLE[step.status]}]{STATUS_MARK[step.status]}[/]"
    numbers = [f"{v:,}" for v in values] if step.ok else ["-"] * len(values)
    return [escape(step.name), status, *numbers, f"{step.seconds:.1f}"]


def _ingest_table(report: CycleReport) -> Table:
    table = _table("Ingest", "connection", INGEST_COLUMNS)
    for step in report.ingests:
        total = step.report.total().as_dict() if step.report else {}
        table.add_row(*_cells(step, [total.get(c, 0) for c in INGEST_COLUMNS]))
    return table


def _match_table(step: StepResult[Any]) -> Table:
    table = _table("Match and merge", "step", tuple(label for label, _ in MATCH_COLUMNS))
    values = [getattr(step.report, name) if step.report else 0 for _, name in MATCH_COLUMNS]
    table.add_row(*_cells(step, values))
    return table


def _publish_table(report: CycleReport) -> Table:
    table = _table("Publish", "target", PUBLISH_COLUMNS)
    for step in report.publishes:
        table.add_row(*_cells(step, _publish_values(step)))
    return table


def _publish_values(step: StepResult[Any]) -> list[int]:
    published = step.report
    if published is None:
        return [0] * len(PUBLISH_COLUMNS)
    o = published.outcomes
    conflicts = sum(published.plan.conflicts.values()) if published.plan else 0
    return [
        o["created"],
        o["updated"],
        o["unchanged"],
        published.failed,
        published.dead,
        conflicts,
        published.waiting,
    ]
