"""``crmhub config``: check the project file, and export its JSON Schema for editors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

app = typer.Typer(
    help="Check crmhub.yaml and export its JSON Schema.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub config validate\n\n  crmhub config validate --no-resolve  "
    "(on a machine without the production secrets)\n\n  crmhub config schema -o crmhub.schema.json",
)


@app.command("validate")
def validate(
    ctx: typer.Context,
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve",
            help="Do not check that ${ENV} and ${airflow:...} references resolve here.",
        ),
    ] = False,
) -> None:
    """Check crmhub.yaml: every problem is listed with its line and key (exit 2 if any)."""
    from crmhub.config.validate import unresolved_reference_problems
    from crmhub.errors import ConfigInvalid

    project = state(ctx).project()
    if not no_resolve:
        problems = unresolved_reference_problems(project.config, project.source, os.environ)
        if problems:
            raise ConfigInvalid(problems)
    config = project.config
    streams = sum(len(c.streams) for c in config.connections.values())
    success_line(
        f"{project.source.file} is valid: project {config.project!r}, "
        f"{len(config.connections)} connection(s), {streams} stream(s), {len(config.targets)} target(s)"
    )
    if no_resolve:
        out().print("[dim]references were not resolved (--no-resolve)[/]")


@app.command("schema")
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the schema to FILE instead of stdout."
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of crmhub.yaml (with every installed connector's settings)."""
    from crmhub.config.schema import project_schema

    text = json.dumps(project_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    success_line(f"schema written to {output}")
    out().print(
        f"[dim]add `# yaml-language-server: $schema={escape(output.name)}` "
        "as the first line of crmhub.yaml for completion in your editor[/]"
    )
