"""``crmhub match``: match the stored records into golden records, explain a pair, show scores.

Wired into the root app with ``app.add_typer(match_cmd.app, name="match")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

if TYPE_CHECKING:
    from rich.table import Table

    from crmhub.match.job import MatchReport

EPILOG = (
    "Examples:\n\n  crmhub match\n\n  crmhub match --full\n\n  crmhub match --full --keep-model\n\n"
    "  crmhub match explain legacy_crm/customers/C001 legacy_crm/customers/C002\n\n"
    "  crmhub match stats --png scores.png\n\n"
    "Pairs scoring above the upper threshold (crmhub.yaml: matching.thresholds) merge; between "
    "the thresholds they wait for a data steward. Exit 3 when another match run holds the lock."
)

#: (summary row label, MatchReport attribute)
SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("records", "records"),
    ("new or changed", "changed"),
    ("deleted at source", "removed"),
    ("held by a target's hub id", "pinned"),
    ("hub ids overruled by stewards", "pins_overruled"),
    ("candidate pairs", "candidate_pairs"),
    ("merged pairs", "merged"),
    ("to review", "to_review"),
    ("clusters (2+ records)", "clusters"),
    ("golden records created", "golden_created"),
    ("golden records changed", "golden_changed"),
    ("clusters refused (steward decisions)", "refused_clusters"),
)

app = typer.Typer(
    help="Find the records that describe the same customer and merge them into golden records.",
    epilog=EPILOG,
    invoke_without_command=True,
    rich_markup_mode="rich",
)


@app.callback()
def match(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Match every record again and re-estimate the match model (default: match "
            "only the records new or changed since the last run, with the stored model).",
        ),
    ] = False,
    keep_model: Annotated[
        bool,
        typer.Option(
            "--keep-model",
            help="With --full: keep the stored model instead of re-estimating it.",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, help="Seconds to wait for another match run to finish."),
    ] = 0,
) -> None:
    """Match the new and changed source records and update the golden records (see the
    examples)."""
    if ctx.invoked_subcommand is not None:
        return
    from crmhub.match.job import run_match
    from crmhub.store.migrate import require_current

    cli = state(ctx)
    project = cli.project()
    engine = cli.store_engine()
    require_current(engine)
    try:
        with _progress() as update:
            report = run_match(
                project,
                engine,
                full=full,
                refit=full and not keep_model,
                on_progress=update,
                lock_wait=wait,
            )
    finally:
        engine.dispose()
    out().print(_summary(report))


@contextmanager
def _progress() -> Iterator[Callable[[str, int], None]]:
    """An ``on_progress`` callback drawing a spinner with the stage and count on stderr."""
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from crmhub.cli.progress import live_progress

    with live_progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("loading records", total=None)

        def update(stage: str, count: int) -> None:
            progress.update(task, description=f"{stage}: {count:,} records")

        yield update


def _summary(report: MatchReport) -> Table:
    from rich.table import Table

    fitted = f"fitted now: {report.model_fit_reason}" if report.model_fitted else "stored"
    table = Table(
        title=f"Match run #{report.run_id} ({'incremental' if report.incremental else 'full'})",
        title_justify="left",
        caption=f"model {report.model_version[:12]} ({fitted})",
    )
    table.add_column("")
    table.add_column("count", justify="right")
    for label, attribute in SUMMARY_ROWS:
        table.add_row(label, f"{getattr(report, attribute):,}")
    return table


@app.command(
    "explain",
    epilog="Example:\n\n  crmhub match explain 12 57\n\n"
    "  crmhub match explain legacy_crm/customers/C011 legacy_crm/customers/C012",
)
def explain(
    ctx: typer.Context,
    left: Annotated[
        str, typer.Argument(metavar="A", help="Source record id or CONNECTION/STREAM/KEY.")
    ],
    right: Annotated[
        str, typer.Argument(metavar="B", help="Source record id or CONNECTION/STREAM/KEY.")
    ],
) -> None:
    """Show each comparison's level and weight for two records, and the match probability."""
    from crmhub.match.explain import explanation_table
    from crmhub.match.job import explain_records

    cli = state(ctx)
    engine = cli.store_engine()
    try:
        explanation = explain_records(cli.project(), engine, left, right)
    finally:
        engine.dispose()
    out().print(explanation_table(explanation))


@app.command(
    "stats", epilog="Example:\n\n  crmhub match stats\n\n  crmhub match stats --png scores.png"
)
def stats(
    ctx: typer.Context,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            metavar="FILE",
            help="Also save the histogram as a PNG (needs matplotlib).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Histogram of the match weights of all candidate pairs, with the thresholds marked."""
    from crmhub.errors import UsageError
    from crmhub.match.explain import histogram_png, histogram_text
    from crmhub.match.job import candidate_weights, histogram_thresholds

    cli = state(ctx)
    engine = cli.store_engine()
    try:
        weights, settings = candidate_weights(cli.project(), engine)
    finally:
        engine.dispose()
    thresholds = histogram_thresholds(settings)
    out().print(f"{weights.size:,} candidate pairs (match weight, log2 odds)")
    out().print(escape(histogram_text(weights, thresholds)), soft_wrap=True)
    if png is not None:
        if histogram_png(weights, thresholds, png) is None:
            raise UsageError(
                "cannot draw a PNG: matplotlib is not installed",
                hint="pip install matplotlib, or leave out --png",
            )
        success_line(f"histogram saved to {png}")
