"""Finding the project, loading its ``crmhub.yaml`` and choosing the store's database URL.

The project is the directory given with ``--project`` (or ``CRMHUB_PROJECT``), else the current
directory. The database URL comes from, in order: ``--database-url``, ``CRMHUB_DATABASE_URL``,
``database_url`` in ``crmhub.yaml``, and finally ``sqlite:///<project>/crmhub.db``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from crmhub.config.models import ConnectionConfig, ProjectConfig
from crmhub.config.secrets import resolve
from crmhub.config.source import SourceMap, load_yaml_file
from crmhub.config.validate import check_project
from crmhub.errors import ProjectNotFound, UnknownConnection

PROJECT_FILE = "crmhub.yaml"
SCHEMA_FILE = "crmhub.schema.json"
DEFAULT_DATABASE_FILE = "crmhub.db"
PROJECT_ENV = "CRMHUB_PROJECT"
DATABASE_URL_ENV = "CRMHUB_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Project:
    """A loaded, validated project: its directory, its configuration and where each key is written."""

    root: Path
    file: Path
    config: ProjectConfig
    source: SourceMap

    def connection(self, name: str) -> ConnectionConfig:
        """The connection called ``name``; ``UnknownConnection`` suggesting the closest otherwise."""
        found = self.config.connections.get(name)
        if found is not None:
            return found
        declared = sorted(self.config.connections)
        by_lower = {n.lower(): n for n in declared}
        close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=1)]
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"connections in {self.file.name}: {', '.join(declared) or 'none'}"
        )
        raise UnknownConnection(f"{self.file.name} has no connection {name!r}", hint=hint)

    def mapping_path(self, connection: str, stream: str) -> Path:
        """The mapping file of ``stream`` of ``connection``, as an absolute path."""
        return self.root / self.connection(connection).streams[stream].mapping


def project_dir(option: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The project directory: ``option``, else ``$CRMHUB_PROJECT``, else the current directory.

    ``option`` may also name the ``crmhub.yaml`` file itself.
    """
    env = os.environ if environ is None else environ
    chosen = (
        option
        if option is not None
        else Path(env[PROJECT_ENV])
        if env.get(PROJECT_ENV)
        else Path.cwd()
    )
    chosen = chosen.expanduser()
    return chosen.parent if chosen.name == PROJECT_FILE or chosen.is_file() else chosen


def project_file(root: Path) -> Path:
    """``root/crmhub.yaml``, or ``ProjectNotFound`` explaining where it was looked for."""
    path = root / PROJECT_FILE
    if path.is_file():
        return path
    if not root.is_dir():
        raise ProjectNotFound(
            f"project directory {root} does not exist", hint=f"create one with `crmhub init {root}`"
        )
    near = [p.name for p in root.glob("crmhub.y*ml")]
    hint = (
        f"rename {near[0]} to {PROJECT_FILE}"
        if near
        else f"run `crmhub init {root}`, or point at the project with --project DIR or {PROJECT_ENV}"
    )
    raise ProjectNotFound(f"no {PROJECT_FILE} in {root}", hint=hint)


def load_project(root: Path) -> Project:
    """Read and validate ``root/crmhub.yaml``; ``ConfigInvalid`` lists every problem."""
    root = root.resolve()
    path = project_file(root)
    document = load_yaml_file(path, display=_display_name(path))
    config = check_project(document, root)
    return Project(root=root, file=path, config=config, source=document.source)


def _display_name(path: Path) -> str:
    """The file name as errors show it: relative to the current directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def default_database_url(root: Path) -> str:
    """``sqlite:///<project>/crmhub.db``: the embedded store next to ``crmhub.yaml``."""
    return f"sqlite:///{(root / DEFAULT_DATABASE_FILE).resolve()}"


def database_url(
    *,
    option: str | None,
    root: Path,
    project: Callable[[], Project],
    environ: Mapping[str, str] | None = None,
) -> str:
    """The store's URL by precedence: option, ``$CRMHUB_DATABASE_URL``, crmhub.yaml, default.

    ``project`` loads the project; it is called only when the first two give nothing, so a URL
    given on the command line works without a project. A relative SQLite path in crmhub.yaml is
    taken relative to the project directory.
    """
    env = os.environ if environ is None else environ
    if option:
        return option
    if env.get(DATABASE_URL_ENV):
        return env[DATABASE_URL_ENV]
    loaded = project()
    declared = loaded.config.database_url
    if not declared:
        return default_database_url(loaded.root)
    # Whatever a reference in the URL stands for (a password, the whole URL) is masked in logs.
    url = resolve(
        declared,
        path=("database_url",),
        source=loaded.source,
        environ=env,
        is_secret=lambda _path: True,
    )
    return _sqlite_relative_to(url, loaded.root)


def _sqlite_relative_to(url: str, root: Path) -> str:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path = url[len(prefix) :]
    if not path or path.startswith(("/", ":memory:", "file:")):
        return url
    return prefix + str((root / path).resolve())
