"""Airflow DAGs from a :class:`~crmhub.orchestration.plan.DagPlan`.

Each DAG is thin: its tasks call ``crmhub.orchestration.tasks`` (the same jobs as the command
line) and nothing else. An ingest DAG is ``sync >> announce``: ``announce`` updates the source
records asset only when the sync stored a change, and is skipped otherwise, so an unchanged
source does not start a match run. The match DAG ends the same way for the golden records.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, Asset, AssetAny, get_current_context, get_parsing_context, task
from airflow.sdk.exceptions import AirflowSkipException

from crmhub.orchestration import tasks
from crmhub.orchestration.plan import DagPlan, IngestDag, MatchDag, PublishDag, plan_dags
from crmhub.orchestration.retries import RetrySettings
from crmhub.orchestration.source import configured_project_dir, read_config

TAGS = ["crmhub"]


def airflow_dags() -> dict[str, DAG]:
    """The DAGs of the configured project (see ``crmhub.orchestration.source``), by dag id.

    When a worker parses the file to run one task, only that task's DAG is built.
    """
    root = configured_project_dir()
    plan = plan_dags(read_config(root))
    return build_dags(
        plan, str(root), retry=RetrySettings.from_env(), only=get_parsing_context().dag_id
    )


def build_dags(
    plan: DagPlan, project_dir: str, *, retry: RetrySettings, only: str | None = None
) -> dict[str, DAG]:
    """Every DAG of ``plan`` (or just ``only``, when it is one of them), by dag id."""
    builders: list[tuple[str, Any]] = [
        (spec.dag_id, lambda s=spec: ingest_dag(s, project_dir, retry)) for spec in plan.ingest
    ]
    if plan.match is not None:
        match = plan.match
        builders.append((match.dag_id, lambda: match_dag(match, project_dir, retry)))
    builders += [
        (spec.dag_id, lambda s=spec: publish_dag(s, project_dir, retry)) for spec in plan.publish
    ]
    if only is not None and any(dag_id == only for dag_id, _ in builders):
        builders = [(dag_id, build) for dag_id, build in builders if dag_id == only]
    return {dag_id: build() for dag_id, build in builders}


def _dag(dag_id: str, schedule: Any, description: str, kind: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        schedule=schedule,
        catchup=False,
        max_active_runs=1,  # runs of one job take the same store lock anyway
        description=description,
        tags=[*TAGS, kind],
    )


def ingest_dag(spec: IngestDag, project_dir: str, retry: RetrySettings) -> DAG:
    """``crmhub_ingest_<connection>``: sync the connection, then update its asset if it changed."""
    description = f"crmhub sync {spec.connection} (streams: {', '.join(spec.streams) or 'none'})"
    with _dag(spec.dag_id, spec.schedule, description, "ingest") as dag:
        sync = task(tasks.ingest, task_id="sync", pool=spec.pool, **retry.task_arguments())
        counts = sync(project_dir, spec.connection)
        task(announce_source_records, task_id="announce", outlets=[Asset(spec.asset)])(counts)
    return dag


def match_dag(spec: MatchDag, project_dir: str, retry: RetrySettings) -> DAG:
    """``crmhub_match``: match and merge when any source records asset is updated."""
    schedule = AssetAny(*(Asset(uri) for uri in spec.triggers))
    description = "crmhub match: find duplicates and merge them into golden records"
    with _dag(spec.dag_id, schedule, description, "match") as dag:
        if spec.partitions > 1:
            counts = _partitioned_match(spec, project_dir, retry)
        else:
            counts = task(tasks.match, task_id="match", **retry.task_arguments())(project_dir)
        task(announce_golden_records, task_id="announce", outlets=[Asset(spec.asset)])(counts)
    return dag


def _partitioned_match(spec: MatchDag, project_dir: str, retry: RetrySettings) -> Any:
    """plan >> score_partition (one mapped task per partition) >> finish; the finish's counts."""
    from crmhub.orchestration import partitions

    arguments = retry.task_arguments()
    planned = task(partitions.plan, task_id="plan_partitions", **arguments)(
        project_dir, spec.partitions
    )
    scored = (
        task(partitions.score, task_id="score_partition", **arguments)
        .partial(project_dir=project_dir, partitions=spec.partitions)
        .expand(partition=planned)
    )
    # Runs after the mapped tasks even when the plan found nothing to score (none mapped).
    finish = task(partitions.finish, task_id="finish", trigger_rule="none_failed", **arguments)
    finished = finish(project_dir, spec.partitions)
    scored >> finished
    return finished


def publish_dag(spec: PublishDag, project_dir: str, retry: RetrySettings) -> DAG:
    """``crmhub_publish_<target>``: when the golden records change, or on its own schedule."""
    schedule: Any = spec.schedule or Asset(spec.trigger)
    description = f"crmhub publish {spec.target} (through connection {spec.connection})"
    with _dag(spec.dag_id, schedule, description, "publish") as dag:
        run = task(tasks.publish, task_id="publish", pool=spec.pool, **retry.task_arguments())
        run(project_dir, spec.target)
    return dag


def announce_source_records(counts: dict[str, int]) -> dict[str, int]:
    """Update the source records asset with the sync's counts, or skip: nothing changed."""
    if not tasks.source_changed(counts):
        raise AirflowSkipException("the sync stored no change: the match is not started")
    return _announce(counts)


def announce_golden_records(counts: dict[str, Any]) -> dict[str, Any]:
    """Update the golden records asset with the match's counts, or skip: nothing changed."""
    if not tasks.golden_changed(counts):
        raise AirflowSkipException("no golden record changed: nothing to publish")
    return _announce(counts)


def _announce(counts: dict[str, Any]) -> dict[str, Any]:
    context = get_current_context()
    (outlet,) = context["task"].outlets
    extra = {k: v for k, v in counts.items() if isinstance(v, int | str)}
    context["outlet_events"][outlet].extra = extra
    return extra
