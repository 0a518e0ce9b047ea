"""Project configuration: ``crmhub.yaml`` models, loading with line numbers, secrets, schema.

Typical use::

    project = load_project(project_dir(option))     # ConfigInvalid lists every problem
    url = database_url(option=None, root=project.root, project=lambda: project)
    with build_connector(project, "erp") as connector:  # references resolved here
        connector.check()
"""

from crmhub.config.connections import build_connector
from crmhub.config.models import ConnectionConfig, ProjectConfig, StreamConfig
from crmhub.config.project import (
    DATABASE_URL_ENV,
    PROJECT_ENV,
    PROJECT_FILE,
    SCHEMA_FILE,
    Project,
    database_url,
    default_database_url,
    load_project,
    project_dir,
)
from crmhub.config.schema import project_schema
from crmhub.config.secrets import resolve

__all__ = [
    "DATABASE_URL_ENV",
    "PROJECT_ENV",
    "PROJECT_FILE",
    "SCHEMA_FILE",
    "ConnectionConfig",
    "Project",
    "ProjectConfig",
    "StreamConfig",
    "build_connector",
    "database_url",
    "default_database_url",
    "load_project",
    "project_dir",
    "project_schema",
    "resolve",
]
