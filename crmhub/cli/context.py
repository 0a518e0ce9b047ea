"""What every command shares: the global options and the project and store they point at."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from crmhub.config.project import Project


@dataclass
class CliState:
    """The global options (``--project``, ``--database-url``, ``-v``) and what they lead to."""

    project_option: Path | None = None
    database_url_option: str | None = None
    verbosity: int = 0
    _project: Project | None = field(default=None, repr=False)

    @property
    def project_dir(self) -> Path:
        """The project directory (``--project``, ``$CRMHUB_PROJECT`` or the current one)."""
        from crmhub.config.project import project_dir

        return project_dir(self.project_option)

    def project(self) -> Project:
        """The loaded and validated project (loaded once)."""
        if self._project is None:
            from crmhub.config.project import load_project

            self._project = load_project(self.project_dir)
        return self._project

    def database_url(self) -> str:
        """The store URL by precedence (see ``crmhub.config.project.database_url``)."""
        from crmhub.config.project import database_url

        return database_url(
            option=self.database_url_option, root=self.project_dir, project=self.project
        )

    def store_engine(self) -> Engine:
        """An engine on the store (``StoreUnavailable`` if it cannot be reached)."""
        from crmhub.store.engine import create_store_engine

        return create_store_engine(self.database_url())


def state(ctx: typer.Context) -> CliState:
    """The ``CliState`` the main callback put on the root context."""
    found = ctx.find_root().obj
    if not isinstance(found, CliState):  # a sub-app invoked on its own, in a test
        found = CliState()
        ctx.find_root().obj = found
    return found
