"""``crmhub steward``: the review queue, a pair side by side, and a steward's decision.

The same reads and the same action as the workbench (``crmhub.web.queue``, ``pairs``,
``actions``): a decision made here is the same ``steward_decisions`` row and ``pair.decided``
event as one made in the browser, and the matcher obeys it on every rerun.

Wired into the root app with ``app.add_typer(steward_cmd.app, name="steward")``.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from crmhub.web.pairs import PairView
    from crmhub.web.queue import QueuePage
    from crmhub.web.roles import Permission

EPILOG = """Examples:

  crmhub steward queue --band high --kind person --limit 20

  crmhub steward show 42

  crmhub steward decide 42 same --comment "same VAT id, new address" --as anna

  crmhub steward decide 42 different --comment "father and son" --change

A decision is applied by the next `crmhub match` (same: merged, different: kept apart) and
outlives every rerun, `crmhub match --full` included."""

app = typer.Typer(
    help="The data steward's review queue: candidate pairs waiting for a decision.",
    no_args_is_help=True,
    epilog=EPILOG,
    rich_markup_mode="rich",
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="USER",
        help="Act as this workbench user (checked: active, with the needed role); "
        "default: cli:<your login>.",
        show_default=False,
    ),
]

QUEUE_FILTER_HINT = "--band high|medium|low, --kind person|organization"
SETTLED = ("same", "different")


def store(ctx: typer.Context) -> Engine:
    """The store of the current project, checked to be migrated."""
    from crmhub.store.migrate import require_current

    engine = state(ctx).store_engine()
    require_current(engine)
    return engine


def acting_user(engine: Engine, name: str | None, permission: Permission) -> str:
    """Who a change is recorded as: workbench user ``name`` if given (active and allowed to
    do ``permission``), else ``cli:<login>``."""
    if name is None:
        return f"cli:{getpass.getuser()}"
    from crmhub.errors import UsageError
    from crmhub.web.roles import PERMISSION_ROLE, allows
    from crmhub.web.users import user_by_name

    user = user_by_name(engine, name)
    if not user.active:
        raise UsageError(
            f"user {name} is deactivated", hint="`crmhub users list` shows who is active"
        )
    if not allows(user.role, permission):
        raise UsageError(
            f"{name} is a {user.role} and cannot {permission.value.replace('_', ' ')}",
            hint=f"this needs the {PERMISSION_ROLE[permission]} role: "
            f"`crmhub users set-role {name} {PERMISSION_ROLE[permission]}`",
        )
    return user.name


@app.command(
    "queue",
    epilog="Examples:\n\n  crmhub steward queue\n\n"
    "  crmhub steward queue --system erp --band medium --kind organization --limit 20\n\n"
    "  crmhub steward queue --unsure --json",
)
def queue(
    ctx: typer.Context,
    system: Annotated[
        str | None,
        typer.Option("--system", help="Only pairs with a record from this connection."),
    ] = None,
    band: Annotated[
        str | None,
        typer.Option("--band", help="Score band: high (90%+), medium (60-90%), low."),
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="person or organization.")] = None,
    unsure: Annotated[
        bool, typer.Option("--unsure", help="The pairs marked 'not sure' instead.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="Rows to show.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON on stdout, as /api/v1/queue.")
    ] = False,
) -> None:
    """The pairs waiting for a decision, most impact first (as in the workbench)."""
    from crmhub.errors import UsageError
    from crmhub.web.errors import InvalidInput
    from crmhub.web.queue import QueueFilter, queue_page

    try:
        wanted = QueueFilter(system, band, kind, "unsure" if unsure else "open")
    except InvalidInput as exc:
        raise UsageError(exc.message, hint=QUEUE_FILTER_HINT) from None
    engine = store(ctx)
    try:
        page = queue_page(engine, wanted, offset=0, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        body = {"total": page.total, "offset": 0, "items": [asdict(i) for i in page.items]}
        typer.echo(json.dumps(body, indent=2))
        return
    out().print(_queue_table(page, unsure))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _queue_table(page: QueuePage, unsure: bool) -> Table:
    from rich.table import Table

    title = "Not sure" if unsure else "Review queue"
    noun = "pair" if page.total == 1 else "pairs"
    table = Table(title=f"{title}: {page.total:,} {noun}", title_justify="left")
    for column in ("#", "pair", "impact", "probability", "history", "kind", "left", "right"):
        table.add_column(column, justify="right" if column in ("#", "pair", "history") else "left")
    for item in page.items:
        table.add_row(
            str(item.position + 1),
            str(item.pair_id),
            f"{item.impact:.3f}",
            _percent(item.probability),
            str(item.history),
            item.kind or "",
            f"{escape(item.left_name)} [dim]({escape(item.left_system)})[/]",
            f"{escape(item.right_name)} [dim]({escape(item.right_system)})[/]",
        )
    if not page.items:
        table.caption = "nothing to review"
    elif page.total > len(page.items):
        table.caption = f"first {len(page.items)} of {page.total:,}: raise --limit or filter"
    else:
        table.caption = "crmhub steward show PAIR; crmhub steward decide PAIR same|different|unsure"
    return table


@app.command("show", epilog="Example:\n\n  crmhub steward show 42")
def show(
    ctx: typer.Context,
    pair: Annotated[int, typer.Argument(metavar="PAIR", help="The pair id (from the queue).")],
) -> None:
    """Both records of a pair side by side, each comparison's contribution, past decisions."""
    from crmhub.web.pairs import pair_view

    engine = store(ctx)
    try:
        view = pair_view(engine, pair)
    finally:
        engine.dispose()
    out().print(
        f"[bold]pair {view.id}[/] ({view.status}): probability {_percent(view.probability)}, "
        f"match weight {view.score:+.2f}",
        soft_wrap=True,
    )
    out().print(_aligned_table(view))
    out().print(_contributions_table(view))
    for d in view.decisions:
        comment = f": {escape(d.comment)}" if d.comment else ""
        out().print(
            f"decided [bold]{d.decision}[/] by {escape(d.actor)} on "
            f"{d.decided_at:%Y-%m-%d %H:%M}{comment}",
            soft_wrap=True,
        )


AGREEMENT_STYLE = {"same": "green", "different": "red", "one-sided": "yellow"}


def _aligned_table(view: PairView) -> Table:
    from rich.table import Table

    table = Table(title="Side by side", title_justify="left")
    table.add_column("field")
    table.add_column(f"{escape(view.left.label)} (#{view.left.id})")
    table.add_column(f"{escape(view.right.label)} (#{view.right.id})")
    table.add_column("")
    for row in view.rows:
        style = AGREEMENT_STYLE.get(row.agreement, "")
        table.add_row(
            row.label,
            escape("\n".join(row.left)),
            escape("\n".join(row.right)),
            f"[{style}]{row.agreement}[/]" if style else row.agreement,
        )
    return table


def _contributions_table(view: PairView) -> Table:
    from rich.table import Table

    table = Table(title="Why this score", title_justify="left")
    for column in ("comparison", "level", "left", "right", "weight"):
        table.add_column(column, justify="right" if column == "weight" else "left")
    if view.prior_weight is not None:
        table.add_row("prior", "", "", "", f"{view.prior_weight:+.2f}")
    for c in view.contributions:
        colour = "green" if c.direction == "for" else "red" if c.direction == "against" else "dim"
        table.add_row(
            c.comparison,
            c.level,
            escape(c.left_value),
            escape(c.right_value),
            f"[{colour}]{c.weight:+.2f}[/]",
        )
    table.add_row("total", "", "", "", f"{view.score:+.2f}", style="bold")
    return table


@app.command(
    "decide",
    epilog='Examples:\n\n  crmhub steward decide 42 same --comment "same VAT id" --as anna\n\n'
    '  crmhub steward decide 42 unsure -m "ask the branch"\n\n'
    '  crmhub steward decide 42 different -m "father and son" --change',
)
def decide(
    ctx: typer.Context,
    pair: Annotated[int, typer.Argument(metavar="PAIR", help="The pair id (from the queue).")],
    decision: Annotated[str, typer.Argument(metavar="DECISION", help="same, different or unsure.")],
    comment: Annotated[
        str,
        typer.Option("--comment", "-m", help="Why: kept with the decision in the audit log."),
    ],
    as_user: AsOption = None,
    change: Annotated[
        bool,
        typer.Option("--change", help="Overrule a pair already decided same or different."),
    ] = False,
) -> None:
    """Settle a pair: same customer, different customers, or not sure."""
    from crmhub.store.types import utc_now
    from crmhub.web.actions import DECISION_LABELS, TableStewardActions, check_decision
    from crmhub.web.pairs import pair_view
    from crmhub.web.roles import Permission

    decision, comment_text = check_decision(decision.strip().lower(), comment)
    engine = store(ctx)
    try:
        actor = acting_user(engine, as_user, Permission.DECIDE)
        _check_open(pair_view(engine, pair), decision, change)
        done = TableStewardActions(engine, utc_now).decide(
            pair, decision, actor=actor, comment=comment_text
        )
    finally:
        engine.dispose()
    was = f", was {DECISION_LABELS[done.previous]}" if done.previous else ""
    success_line(
        f"pair {pair}: {DECISION_LABELS[decision]}{was} (event #{done.event_id}, by {actor}); "
        "the next `crmhub match` applies it"
    )


def _check_open(view: PairView, decision: str, change: bool) -> None:
    """Refuse to decide a pair again by accident."""
    from crmhub.errors import UsageError

    standing = view.decisions[0] if view.decisions else None
    if standing is None:
        return
    when = f"{standing.decided_at:%Y-%m-%d %H:%M}"
    if standing.decision == decision:
        raise UsageError(
            f"pair {view.id} is already decided {decision} (by {standing.actor}, {when})",
            hint="nothing to do",
        )
    if standing.decision in SETTLED and not change:
        raise UsageError(
            f"pair {view.id} was already decided {standing.decision} by {standing.actor} on {when}",
            hint=f"pass --change to overrule it; `crmhub steward show {view.id}` shows why",
        )
