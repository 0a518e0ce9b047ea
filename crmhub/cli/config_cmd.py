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
    epilog="Examples:\n\n  crmhub config validate  (on a laptop: references are checked, not resolved)"
    "\n\n  crmhub config validate --resolve  (where crmhub runs: every ${ENV} and "
    "${airflow:...} must resolve)\n\n  crmhub config schema -o crmhub.schema.json",
)


@app.command("validate")
def validate(
    ctx: typer.Context,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve/--no-resolve",
            help="Also check that every ${ENV} and ${airflow:...} reference resolves in this "
            "environment. Without it only how they are written is checked (no secret is needed).",
        ),
    ] = False,
) -> None:
    """Check crmhub.yaml: every problem is listed with its line and key (exit 2 if any)."""
    from crmhub.config.validate import unresolved_reference_problems
    from crmhub.errors import ConfigInvalid

    project = state(ctx).project()  # checks the references' syntax, resolves none
    if resolve:
        problems = unresolved_reference_problems(project.config, project.source, os.environ)
        if problems:
            raise ConfigInvalid(problems)
    config = project.config
    streams = sum(len(c.streams) for c in config.connections.values())
    success_line(
        f"{project.source.file} is valid: project {config.project!r}, "
        f"{len(config.connections)} connection(s), {streams} stream(s), {len(config.targets)} target(s)"
    )
    if resolve:
        out().print("[dim]every ${...} reference resolves here[/]")
    else:
        out().print("[dim]references were not resolved (add --resolve to check them here)[/]")


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
