"""Which project the DAG files generate DAGs for, and reading its ``crmhub.yaml`` quickly.

The project directory comes from ``$CRMHUB_PROJECT`` (set it in the environment of the
dag-processor and the workers, e.g. in docker compose), else from the Airflow Variable
``crmhub_project``. The environment comes first because reading it costs nothing at parse time,
while a Variable is a round trip to the API server on every parse.

At parse time only the shape of ``crmhub.yaml`` is checked (``ProjectConfig``): enough to know
the DAGs, fast enough to parse 50 connections well under a second. The tasks load the project
fully (connectors, mappings, secrets) and fail without retrying when it is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from crmhub.config.diagnostics import validation_problems
from crmhub.config.models import ProjectConfig
from crmhub.config.project import PROJECT_ENV, project_dir, project_file
from crmhub.config.secret_fields import is_secret_key
from crmhub.config.source import load_yaml_file
from crmhub.errors import ConfigInvalid, ProjectNotFound

PROJECT_VARIABLE = "crmhub_project"

VariableGetter = Callable[[str], str | None]
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def airflow_variable(key: str) -> str | None:
    """The Airflow Variable ``key``, or None when it is not set (or Airflow is not there)."""
    try:
        from airflow.sdk import Variable
    except ImportError:
        return None
    try:
        return Variable.get(key, default=None)
    except Exception:  # noqa: BLE001 - no API server reachable (a bare DagBag): not set
        return None


def configured_project_dir(
    environ: Mapping[str, str] | None = None, variable: VariableGetter = airflow_variable
) -> Path:
    """The project directory from ``$CRMHUB_PROJECT`` or the ``crmhub_project`` Variable."""
    env = os.environ if environ is None else environ
    if env.get(PROJECT_ENV):
        return project_dir(None, env)
    value = variable(PROJECT_VARIABLE)
    if value:
        return project_dir(Path(value), env)
    raise ProjectNotFound(
        "crmhub's DAGs do not know which project to run",
        hint=f"set {PROJECT_ENV}=/path/to/project in the environment of the dag-processor and "
        f"the workers, or the Airflow Variable {PROJECT_VARIABLE!r}",
    )


def read_config(root: Path) -> ProjectConfig:
    """The shape of ``root/crmhub.yaml`` (``ConfigInvalid`` naming lines when it is wrong).

    Read with libyaml when it is there (ten times faster); only a file that fails is read again
    with crmhub's own loader, whose errors name the line.
    """
    path = project_file(root.resolve())
    try:
        data = yaml.load(path.read_bytes(), Loader=_FAST_LOADER)
        return ProjectConfig.model_validate(data)
    except (yaml.YAMLError, ValidationError, OSError):
        pass
    document = load_yaml_file(path, display=str(path))
    try:
        return ProjectConfig.model_validate(document.data)
    except ValidationError as exc:
        problems = validation_problems(exc, ProjectConfig, document.source, show_input=_shows_input)
        raise ConfigInvalid(problems) from None


def _shows_input(path: tuple[str | int, ...]) -> bool:
    return not any(map(is_secret_key, path))
