"""``crmhub mappings``: check every mapping file, preview what a mapping makes of real records."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import err, escape, out, success_line

app = typer.Typer(
    help="Mapping files: source fields <-> canonical fields (see docs/mappings.md).",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub mappings check\n\n  crmhub mappings preview erp customers --limit 5\n\n"
           "  crmhub mappings transforms",
)


@app.command("check")
def check(
    ctx: typer.Context,
    offline: Annotated[bool, typer.Option(
        "--offline", help="Do not ask the connectors for their streams' fields (check the mapping alone).")] = False,
) -> None:
    """Load every mapping of the project and report every problem with file, line and key.

    Unless --offline, each mapping is also checked against the fields its stream really has.
    Exit 2 when any mapping has a problem.
    """
    from crmhub.errors import ConfigInvalid

    project = state(ctx).project()
    problems = []
    checked = 0
    for name, connection in project.config.connections.items():
        connector = None if offline or not connection.streams else _connector_or_none(project, name)
        try:
            for stream in connection.streams:
                try:
                    _check_stream(project, name, stream, connector)
                    checked += 1
                except ConfigInvalid as exc:
                    problems.extend(exc.problems)
        finally:
            if connector is not None:
                connector.close()
    if problems:
        raise ConfigInvalid(problems)
    success_line(f"{checked} mapping(s) OK")


def _connector_or_none(project: Any, name: str) -> Any:
    """The connection's connector, or None (with a warning) when it cannot be built."""
    from connectors.sdk.errors import ConnectorError
    from crmhub.config.connections import build_connector
    from crmhub.errors import CrmhubError

    try:
        return build_connector(project, name)
    except (CrmhubError, ConnectorError) as exc:
        err().print(f"[yellow]{escape(name)}: cannot ask the connector ({escape(exc)}); "
                    "checking its mappings without the streams' fields[/]")
        return None


def _check_stream(project: Any, name: str, stream: str, connector: Any) -> None:
    """Load one stream's mapping: against the stream's real fields when the connector can
    tell them, else the file alone. ``ConfigInvalid`` lists its problems."""
    from connectors.sdk.errors import ConnectorError
    from crmhub.ingest.sync import load_stream_mapping
    from crmhub.mapping.loader import load_mapping

    if connector is not None:
        try:
            load_stream_mapping(project, name, stream, connector)
            return
        except ConnectorError as exc:  # the system is unreachable
            err().print(f"[yellow]{escape(name)}/{escape(stream)}: cannot discover the stream "
                        f"({escape(exc)}); checking the mapping alone[/]")
    path = project.mapping_path(name, stream)
    load_mapping(path, display=str(path.relative_to(project.root)))


@app.command("preview")
def preview(
    ctx: typer.Context,
    connection: Annotated[str, typer.Argument(help="Connection, as named in crmhub.yaml.")],
    stream: Annotated[str, typer.Argument(help="Stream of that connection.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Records to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of tables.")] = False,
) -> None:
    """Read the first records of a stream (from the beginning, state untouched) and show each
    raw record beside the canonical record the mapping makes of it, or why it would be quarantined."""
    from itertools import islice

    from connectors.sdk import ReadProblem, SourceRecord
    from crmhub.config.connections import build_connector
    from crmhub.ingest.builder import build_version
    from crmhub.ingest.sync import load_stream_mapping, selected_streams
    from crmhub.ingest.writer import NewVersion

    project = state(ctx).project()
    selected_streams(project, connection, [stream])
    with build_connector(project, connection) as connector:
        mapping = load_stream_mapping(project, connection, stream, connector)
        items = (i for i in connector.read(stream, None) if isinstance(i, SourceRecord | ReadProblem))
        for item in islice(items, limit):
            if isinstance(item, ReadProblem):
                _show(as_json, item.key, item.raw, None, f"read: {item.reason}")
                continue
            result = build_version(item, mapping, "")
            if isinstance(result, NewVersion):
                _show(as_json, item.key, item.data, result.canonical, None)
            else:
                _show(as_json, item.key, item.data, None, f"{result.stage}: {result.reason}")


def _show(as_json: bool, key: str | None, raw: dict[str, Any], canonical: dict[str, Any] | None,
          problem: str | None) -> None:
    if as_json:
        out().print_json(json.dumps({"key": key, "raw": raw, "canonical": canonical, "quarantine": problem},
                                    ensure_ascii=False, default=str))
        return
    from rich.table import Table

    table = Table(title=f"record {escape(key or '-')}", title_justify="left", show_lines=False)
    table.add_column("source field")
    table.add_column("raw value", overflow="fold")
    table.add_column("canonical", overflow="fold")
    flat = _flatten(canonical or {})
    rows = max(len(raw), len(flat))
    raw_items, flat_items = list(raw.items()), list(flat.items())
    for i in range(rows):
        left = raw_items[i] if i < len(raw_items) else ("", "")
        right = flat_items[i] if i < len(flat_items) else None
        table.add_row(escape(left[0]), escape(left[1]),
                      f"[cyan]{escape(right[0])}[/] = {escape(right[1])}" if right else "")
    if problem:
        table.caption = f"[red]would be quarantined: {escape(problem)}[/]"
    out().print(table)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for k, v in value.items():
            flat.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return flat
    if isinstance(value, list):
        flat = {}
        for i, v in enumerate(value):
            flat.update(_flatten(v, f"{prefix}[{i}]"))
        return flat
    return {prefix: value}


@app.command("transforms")
def transforms() -> None:
    """List the transforms a mapping rule can use."""
    from rich.table import Table

    from crmhub.mapping.transforms import TRANSFORMS

    table = Table(title="Transforms", title_justify="left")
    table.add_column("name")
    table.add_column("what it does")
    for definition in TRANSFORMS.values():
        table.add_row(definition.name, escape(definition.help))
    out().print(table)
