"""``crmhub init DIR``: a working demo project to start from.

The files come from ``crmhub/cli/project_template/``; the JSON Schema is generated at init time
from the installed crmhub and connectors, so editors complete exactly what this version accepts.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated

import typer

from crmhub.cli.output import escape, out, success_line

EPILOG = (
    "Examples:\n\n  crmhub init demo\n\n  crmhub init /srv/crm --name acme-crm\n\n"
    "  crmhub init demo --force  (rewrite the demo files; crmhub.db is kept)"
)

NAME_PLACEHOLDER = "__PROJECT_NAME__"
# Template files stored under another name (a wheel drops dotfiles from package data).
RENAMED = {"gitignore": ".gitignore"}
WITH_NAME = frozenset({"crmhub.yaml", "README.md"})


def template_root() -> Traversable:
    """The project template shipped with crmhub."""
    return files("crmhub.cli") / "project_template"


def _template_files(folder: Traversable, relative: Path = Path()) -> list[tuple[Path, Traversable]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        target = relative / RENAMED.get(entry.name, entry.name)
        found += _template_files(entry, target) if entry.is_dir() else [(target, entry)]
    return found


def _fill(name: str, text: str, project_name: str) -> str:
    if name == "crmhub.yaml":  # a quoted YAML scalar, whatever the name holds
        return text.replace(NAME_PLACEHOLDER, json.dumps(project_name, ensure_ascii=False))
    return text.replace(NAME_PLACEHOLDER, project_name)


def create_project(
    dest: Path, *, project_name: str | None = None, force: bool = False
) -> list[Path]:
    """Write the demo project into ``dest``; the files written, in order.

    Refuses (``UsageError``) to overwrite any existing file unless ``force``.
    """
    from crmhub.config.project import SCHEMA_FILE
    from crmhub.config.schema import project_schema
    from crmhub.errors import UsageError

    name = project_name or re.sub(r"\s+", "-", dest.resolve().name) or "crmhub-project"
    planned = _template_files(template_root())
    targets = [dest / relative for relative, _ in planned] + [dest / SCHEMA_FILE]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        shown = ", ".join(str(t.relative_to(dest)) for t in existing[:4])
        raise UsageError(
            f"{dest} already holds a project ({shown}{', ...' if len(existing) > 4 else ''})",
            hint="pass --force to overwrite those files (crmhub.db and other files are kept)",
        )
    for relative, source in planned:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.name in WITH_NAME:
            target.write_text(
                _fill(relative.name, source.read_text(encoding="utf-8"), name), encoding="utf-8"
            )
        else:
            target.write_bytes(source.read_bytes())
    schema_text = json.dumps(project_schema(), indent=2, ensure_ascii=False) + "\n"
    (dest / SCHEMA_FILE).write_text(schema_text, encoding="utf-8")
    return targets


def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to create the project in.")
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Project name (default: the folder's name).", show_default=False
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the files of an existing project.")
    ] = False,
) -> None:
    """Create a demo project: crmhub.yaml, a messy sample CSV, its mapping and the JSON Schema."""
    written = create_project(directory, project_name=name, force=force)
    success_line(f"project created in {directory}")
    for path in written:
        out().print(f"  {escape(path.relative_to(directory))}")
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    out().print(
        f"\nnext: {escape(where)}crmhub config validate && crmhub db upgrade && crmhub status"
    )
