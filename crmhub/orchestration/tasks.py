"""What each crmhub task does inside Airflow: open the project and the store, run one job.

Every callable takes the project directory (a string, as it travels in the DAG) and returns the
job's counts as a small JSON-able dict (the task's XCom). The project is loaded in full here,
connectors, mappings and secrets included: inside a task, ``${airflow:CONN_ID...}`` references
resolve through Airflow's connections and secrets backends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from crmhub.config.project import Project, database_url, load_project

log = logging.getLogger("crmhub.orchestration")

#: Seconds a task waits for a lock held by another run (a sync and a publish of one system)
#: before failing with ``LockBusy``, which Airflow then retries.
LOCK_WAIT_SECONDS = 120.0
ACTOR = "airflow"


@contextmanager
def opened(project_dir: str) -> Iterator[tuple[Project, Engine]]:
    """The loaded project and an engine on its store (checked to be migrated), disposed after."""
    from crmhub.store.engine import create_store_engine
    from crmhub.store.migrate import require_current

    project = load_project(Path(project_dir))
    engine = create_store_engine(
        database_url(option=None, root=project.root, project=lambda: project)
    )
    try:
        require_current(engine)
        yield project, engine
    finally:
        engine.dispose()


def ingest(project_dir: str, connection: str) -> dict[str, int]:
    """``crmhub sync CONNECTION``: read every enabled stream, store what changed."""
    from crmhub.ingest.sync import sync_connection

    with opened(project_dir) as (project, engine):
        report = sync_connection(project, engine, connection, lock_wait=LOCK_WAIT_SECONDS)
    counts = {"run_id": report.run_id, **report.total().as_dict()}
    log.info("crmhub sync %s: %s", connection, counts)
    return counts


def source_changed(counts: dict[str, int]) -> bool:
    """Whether an ingest stored anything new, changed or deleted (the asset is then updated)."""
    return any(counts.get(name, 0) for name in ("new", "changed", "deleted"))


def match(project_dir: str) -> dict[str, Any]:
    """``crmhub match``: match every live source record, update the golden records."""
    from crmhub.match.job import run_match

    with opened(project_dir) as (project, engine):
        report = run_match(project, engine, actor=ACTOR, lock_wait=LOCK_WAIT_SECONDS)
    log.info("crmhub match: %s", report.counts())
    return report.counts()


def golden_changed(counts: dict[str, Any]) -> bool:
    """Whether a match run changed any golden record (the asset is then updated)."""
    return bool(counts.get("golden_changed") or counts.get("golden_events"))


def publish(project_dir: str, target: str) -> dict[str, Any]:
    """``crmhub publish TARGET``: plan the target and write its due outbox rows."""
    from crmhub.sync.publish import publish as publish_target

    with opened(project_dir) as (project, engine):
        report = publish_target(project, engine, target, lock_wait=LOCK_WAIT_SECONDS)
    counts = {"run_id": report.run_id, **report.counts()}
    log.info("crmhub publish %s: %s", target, counts)
    return counts
