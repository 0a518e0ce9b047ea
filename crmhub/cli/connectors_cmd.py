"""``crmhub connectors``: installed connector kinds, their settings, and the project's connections."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer(
    help="Installed connectors, their settings, and checks of the project's connections.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub connectors list\n\n  crmhub connectors spec sql\n\n"
    "  crmhub connectors check erp\n\n  crmhub connectors discover erp --json\n\n"
    "  crmhub connectors new acme_erp --dest ./plugins",
)


@app.command("list")
def list_kinds() -> None:
    """List the installed connector kinds (built-in and plugins) with their description."""
    from importlib.metadata import entry_points

    from rich.table import Table

    from connectors.sdk import registry
    from connectors.sdk.errors import ConfigError

    sources = {ep.name: ep.value for ep in entry_points(group=registry.ENTRY_POINT_GROUP)}
    table = Table(title="Installed connectors", title_justify="left")
    for column in ("type", "description", "provided by"):
        table.add_column(column)
    for kind in registry.available():
        try:
            description = escape(registry.load(kind).description or "")
        except ConfigError as exc:
            description = f"[red]cannot be loaded: {escape(exc.args[0])}[/]"
        table.add_row(escape(kind), description, escape(sources.get(kind, "")))
    out().print(table)


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One setting of a connector, flattened from its JSON Schema (``auth.user``)."""

    key: str
    type: str
    required: bool
    default: str
    secret: bool
    description: str


def setting_rows(schema: dict[str, Any]) -> list[SettingRow]:
    """The settings a connector's config JSON Schema declares, nested blocks flattened."""
    return _rows(schema, schema.get("$defs", {}), "", depth=0)


def _rows(node: dict[str, Any], defs: dict[str, Any], prefix: str, depth: int) -> list[SettingRow]:
    rows = []
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        key = f"{prefix}{name}"
        nested = _nested_object(prop, defs)
        rows.append(
            SettingRow(
                key=key,
                type=_type_name(prop),
                required=name in required,
                default=json.dumps(prop["default"]) if "default" in prop else "",
                secret=_is_secret(prop),
                description=prop.get("description", ""),
            )
        )
        if nested is not None and depth < 4:
            infix, block = nested
            rows += _rows(block, defs, key + infix, depth + 1)
    return rows


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return prop.get("anyOf") or prop.get("oneOf") or [prop]


def _nested_object(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The nested block a setting holds, and the key infix for its rows (``.`` or ``.<name>.``)."""
    for variant in _variants(prop):
        infix = "."
        values = variant.get("additionalProperties")
        if isinstance(values, dict):  # a mapping of name -> block
            variant, infix = values, ".<name>."
        ref = variant.get("$ref")
        target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref else variant
        if "properties" in target:
            return infix, target
    return None


def _type_name(prop: dict[str, Any]) -> str:
    names = []
    for variant in _variants(prop):
        if "$ref" in variant:
            names.append(variant["$ref"].rsplit("/", 1)[-1])
        elif "enum" in variant:
            names.append(" | ".join(json.dumps(v) for v in variant["enum"]))
        elif "const" in variant:
            names.append(json.dumps(variant["const"]))
        elif variant.get("type") == "array":
            names.append(f"list of {_type_name(variant.get('items', {}))}")
        elif isinstance(variant.get("additionalProperties"), dict):
            names.append(f"mapping of {_type_name(variant['additionalProperties'])}")
        elif variant.get("type") != "null":
            names.append(str(variant.get("type", "any")))
    return " | ".join(names) or "any"


def _is_secret(prop: dict[str, Any]) -> bool:
    return any(v.get("format") == "password" or v.get("writeOnly") for v in _variants(prop))


@app.command("spec")
def spec(
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help="Connector type, as in `type:` of a connection.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON Schema itself.")] = False,
) -> None:
    """Show the settings a connector accepts under `config:` in crmhub.yaml."""
    from rich.table import Table

    from connectors.sdk import registry

    cls = registry.load(kind)
    schema = cls.config_model.model_json_schema()
    if as_json:
        typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))
        return
    table = Table(
        title=f"{kind}: {cls.description}" if cls.description else kind, title_justify="left"
    )
    for column in ("key", "type", "required", "default", "description"):
        table.add_column(column, overflow="fold")
    for row in setting_rows(schema):
        secret = " [yellow](secret: use ${ENV})[/]" if row.secret else ""
        table.add_row(
            escape(row.key),
            escape(row.type),
            "yes" if row.required else "",
            escape(row.default),
            escape(row.description) + secret,
        )
    out().print(table)


@app.command("check")
def check(
    ctx: typer.Context,
    connection: Annotated[
        str, typer.Argument(metavar="CONNECTION", help="Connection name from crmhub.yaml.")
    ],
) -> None:
    """Build CONNECTION's connector (secrets resolved) and check it can reach its system."""
    from crmhub.config.connections import build_connector

    with build_connector(state(ctx).project(), connection) as connector:
        result = connector.check()
    if not result.ok:
        from crmhub.errors import CrmhubError

        raise CrmhubError(
            f"connection {connection!r}: {result.message}",
            hint=f"fix the settings under connections.{connection}.config, or the system",
        )
    success_line(f"connection {connection!r}: {result.message}")


@app.command("discover")
def discover(
    ctx: typer.Context,
    connection: Annotated[
        str, typer.Argument(metavar="CONNECTION", help="Connection name from crmhub.yaml.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the streams as JSON.")] = False,
) -> None:
    """List the streams CONNECTION offers, with key, cursor and whether they can be written."""
    from crmhub.config.connections import build_connector

    with build_connector(state(ctx).project(), connection) as connector:
        streams = connector.discover()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "key": list(s.key),
                        "cursor_field": s.cursor_field,
                        "writable": s.writable,
                        "deletes": s.deletes,
                        "description": s.description,
                        "json_schema": s.json_schema,
                    }
                    for s in streams
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    out().print(_streams_table(connection, streams))


def _streams_table(connection: str, streams: list[Any]) -> Table:
    from rich.table import Table

    table = Table(title=f"Streams of {connection}", title_justify="left")
    for column in ("stream", "key", "cursor", "writable", "deletes", "description"):
        table.add_column(column, overflow="fold")
    for s in streams:
        table.add_row(
            escape(s.name),
            escape(", ".join(s.key)),
            escape(s.cursor_field or "full reads"),
            "yes" if s.writable else "",
            "yes" if s.deletes else "",
            escape(s.description),
        )
    if not streams:
        table.caption = "the connection offers no streams"
    return table


@app.command("new")
def new(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="Connector type name of the new plugin, e.g. acme_erp."
        ),
    ],
    dest: Annotated[
        Path, typer.Option("--dest", metavar="DIR", help="Where to create the plugin package.")
    ] = Path("."),
) -> None:
    """Create a connector plugin package to start from (installable, with tests)."""
    try:
        from connectors.sdk.scaffold import scaffold_plugin
    except ImportError as exc:
        from crmhub.errors import CrmhubError

        raise CrmhubError(
            "the plugin scaffold is not available in this installation",
            hint=f"reinstall crmhub ({exc})",
        ) from None
    created = scaffold_plugin(name, dest)
    success_line(f"plugin {name!r} created in {created}")
    out().print(f"[dim]next: pip install -e {escape(created)} && crmhub connectors list[/]")
