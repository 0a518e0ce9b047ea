"""``crmhub golden``: a golden record with its lineage; unmerge source records; undo a change.

``show`` reads what the workbench's customer page reads (``crmhub.web.customers``);
``unmerge`` and ``undo`` go through the workbench's ``GoldenStewardActions``, so they record
the same decisions and events as the buttons in the browser.

Wired into the root app with ``app.add_typer(golden_cmd.app, name="golden")``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import err, escape, out, success_line
from crmhub.cli.steward_cmd import AsOption, acting_user, store

if TYPE_CHECKING:
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from crmhub.web.customers import CustomerView, FieldLine
    from crmhub.web.golden_actions import GoldenStewardActions

EPILOG = """Examples:

  crmhub golden show 01M81RK15QC4VHZ2GK943Y679Q

  crmhub golden show 01M81RK15QC4VHZ2GK943Y679Q --json | jq '.fields[] | select(.rule)'

  crmhub golden unmerge 01M81RK15QC4VHZ2GK943Y679Q --record legacy_crm/customers/C002 \\
      --reason "a namesake: different birth date"

  crmhub golden undo 118 --reason "unmerged the wrong record"

Every change is an event in the audit log (who, when, why); `crmhub golden show ID` lists a
record's recent events with their ids, which `crmhub golden undo` takes."""

app = typer.Typer(
    help="Golden records: read one with its lineage, take source records out, undo a change.",
    no_args_is_help=True,
    epilog=EPILOG,
    rich_markup_mode="rich",
)

#: Lines shown per section of ``show`` (orders and interactions can be many); --json has all.
SECTION_LINES = 20
EVENTS_SHOWN = 10


@app.command(
    "show",
    epilog="Examples:\n\n  crmhub golden show 01M81RK15QC4VHZ2GK943Y679Q\n\n"
    "  crmhub golden show 01M81RK15QC4VHZ2GK943Y679Q --json",
)
def show(
    ctx: typer.Context,
    golden_id: Annotated[str, typer.Argument(metavar="ID", help="The golden id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Everything as JSON on stdout.")] = False,
) -> None:
    """A golden record: each field with the rule that chose it and its source records."""
    from crmhub.web.customers import customer_view

    engine = store(ctx)
    try:
        view = customer_view(engine, golden_id)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(_as_json(view), indent=2, default=_json_value, ensure_ascii=False))
        return
    _print_view(view)


def _print_view(view: CustomerView) -> None:
    if view.requested_id != view.id:
        err().print(
            f"[yellow]{escape(view.requested_id)} was merged into {escape(view.id)}[/]: "
            "showing the survivor",
            soft_wrap=True,
        )
    state_note = " [red]retired: no live source record left[/]" if view.retired else ""
    out().print(
        f"[bold]{escape(view.display_name)}[/] golden record {escape(view.id)} "
        f"({view.party_kind or 'party'}, version {view.version}){state_note}",
        soft_wrap=True,
    )
    out().print(_lines_table("Fields", view.identity))
    for title, lines in view.sections.items():
        if lines:
            out().print(_lines_table(title, lines))
    out().print(_sources_table(view))
    if view.events:
        out().print(_events_table(view))


def _sources_text(line: FieldLine) -> str:
    chosen = line.value_from.id if line.value_from else None
    return ", ".join(
        f"[bold]{escape(s.label)}[/]" if s.id == chosen else escape(s.label) for s in line.sources
    )


def _lines_table(title: str, lines: list[FieldLine]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("field", "value", "rule", "sources (bold: value taken from)"):
        table.add_column(column)
    for line in lines[:SECTION_LINES]:
        rule = line.rule or ""
        if line.details.get("actor"):
            rule += f" by {line.details['actor']}"
        table.add_row(escape(line.path), escape(line.text), escape(rule), _sources_text(line))
    if len(lines) > SECTION_LINES:
        table.caption = f"and {len(lines) - SECTION_LINES} more: --json shows all"
    return table


def _sources_table(view: CustomerView) -> Table:
    from rich.table import Table

    table = Table(title="Source records (cross-reference)", title_justify="left")
    for column in ("id", "record", "name", "updated at source", ""):
        table.add_column(column)
    for s in view.sources:
        table.add_row(
            str(s.id),
            escape(s.label),
            escape(s.display_name),
            f"{s.source_updated_at:%Y-%m-%d %H:%M}" if s.source_updated_at else "",
            "[red]deleted[/]" if s.deleted else "",
        )
    return table


def _events_table(view: CustomerView) -> Table:
    from rich.table import Table

    table = Table(title="Recent events", title_justify="left")
    for column in ("event", "at", "actor", "kind", "why", "undo"):
        table.add_column(column)
    for e in view.events[:EVENTS_SHOWN]:
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M}",
            escape(e.actor),
            e.kind,
            escape(e.data.get("why") or ""),
            f"crmhub golden undo {e.id}" if _undoable(e.kind, e.data) else "",
        )
    return table


def _undoable(kind: str, data: dict[str, Any]) -> bool:
    """A steward's merge or unmerge (or an undo): what ``crmhub.golden.undo`` accepts."""
    from crmhub.golden.events import MERGED, UNMERGED
    from crmhub.golden.undo import UNDOABLE_OPS

    return kind in (MERGED, UNMERGED) and data.get("op") in UNDOABLE_OPS


def _json_value(value: object) -> str:
    """Datetimes as ISO 8601; anything else JSON cannot take as text."""
    from datetime import datetime

    return value.isoformat() if isinstance(value, datetime) else str(value)


def _line_json(line: FieldLine) -> dict[str, Any]:
    return {
        "path": line.path,
        "value": line.text,
        "rule": line.rule,
        "sources": [s.label for s in line.sources],
        "value_from": line.value_from.label if line.value_from else None,
        **({"details": line.details} if line.details else {}),
    }


def _as_json(view: CustomerView) -> dict[str, Any]:
    return {
        "id": view.id,
        "requested_id": view.requested_id,
        "redirected": view.requested_id != view.id,
        "party_kind": view.party_kind,
        "display_name": view.display_name,
        "version": view.version,
        "retired": view.retired,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "fields": [_line_json(line) for line in view.identity],
        "sections": {t: [_line_json(x) for x in lines] for t, lines in view.sections.items()},
        "sources": [
            {
                "id": s.id,
                "record": s.label,
                "display_name": s.display_name,
                "source_updated_at": s.source_updated_at,
                "deleted": s.deleted,
            }
            for s in view.sources
        ],
        "events": [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "kind": e.kind,
                "why": e.data.get("why"),
                "undoable": _undoable(e.kind, e.data),
            }
            for e in view.events
        ],
    }


@contextmanager
def _acting(
    ctx: typer.Context, as_user: str | None
) -> Iterator[tuple[Engine, GoldenStewardActions, str]]:
    """The store, the workbench's golden actions with this project's survivorship policy, and
    who acts (checked to be allowed to change golden records)."""
    from crmhub.golden.policy import SurvivorshipPolicy
    from crmhub.store.types import utc_now
    from crmhub.web.golden_actions import GoldenStewardActions
    from crmhub.web.roles import Permission

    policy = SurvivorshipPolicy.from_config(state(ctx).project().config.survivorship)
    engine = store(ctx)
    try:
        actor = acting_user(engine, as_user, Permission.CHANGE_GOLDEN)
        yield engine, GoldenStewardActions(engine, utc_now, policy), actor
    finally:
        engine.dispose()


@app.command(
    "unmerge",
    epilog="Example:\n\n  crmhub golden unmerge 01M81RK15QC4VHZ2GK943Y679Q "
    '-r legacy_crm/customers/C002 -r erp/customers/4711 --reason "a namesake"',
)
def unmerge(
    ctx: typer.Context,
    golden_id: Annotated[str, typer.Argument(metavar="ID", help="The golden id.")],
    records: Annotated[
        list[str],
        typer.Option(
            "--record",
            "-r",
            metavar="CONNECTION/STREAM/KEY",
            help="A source record to take out (or its id); repeat for several.",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept in the audit log.")],
    as_user: AsOption = None,
) -> None:
    """Take source records out of a golden record into a new one; both are recomputed."""
    from crmhub.match.store import resolve_source_record

    with _acting(ctx, as_user) as (engine, actions, actor):
        ids = [resolve_source_record(engine, ref)[0] for ref in records]
        done = actions.unmerge(golden_id, ids, actor=actor, why=reason.strip() or None)
    kept, split = done.golden_ids
    success_line(
        f"golden record {kept} kept; {split} made of the records that left "
        f"(event #{done.event_id}; `crmhub golden undo {done.event_id}` reverts it)"
    )


@app.command(
    "undo",
    epilog='Example:\n\n  crmhub golden undo 118 --reason "unmerged the wrong record"',
)
def undo(
    ctx: typer.Context,
    event: Annotated[
        int, typer.Argument(metavar="EVENT", help="The event id of a merge or unmerge.")
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why: kept in the audit log.")
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Undo a steward's merge or unmerge (or an undo) by its event id, newest first."""
    with _acting(ctx, as_user) as (_, actions, actor):
        done = actions.undo(event, actor=actor, why=(reason or "").strip() or None)
    success_line(
        f"event #{done.undone_event_id} undone (event #{done.event_id}; undo that one to redo)"
    )
