"""What Airflow should run for a project, as plain data: DAG ids, schedules, pools and assets.

Nothing here imports Airflow, so ``crmhub airflow dags`` and ``crmhub airflow pools`` work on a
machine without it, and the DAG factory (``crmhub.orchestration.factory``) only translates.

* one ingest DAG per connection with an enabled stream, ``crmhub_ingest_<connection>``, on the
  connection's schedule, updating the asset of that connection's source records (a connection
  only written to, through a target, has none);
* one match-and-merge DAG, ``crmhub_match``, run when any of those assets is updated, updating
  the golden-records asset (only when the project has connections);
* one publish DAG per enabled target, ``crmhub_publish_<target>``, run when the golden records
  change or on the target's own schedule when it has one;
* one pool per connection, ``crmhub_<connection>``, of ``max_parallel`` slots, shared by the
  ingest and publish tasks that talk to that system.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from crmhub.config.models import ProjectConfig

DAG_PREFIX = "crmhub_"
ASSET_SCHEME = "x-crmhub"  # Airflow's convention for a scheme no provider defines


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """An Airflow pool: at most ``slots`` crmhub tasks talk to one system at a time."""

    name: str
    slots: int
    description: str


@dataclass(frozen=True, slots=True)
class IngestDag:
    connection: str
    dag_id: str
    schedule: str | None
    pool: str
    asset: str  # URI of the connection's source records
    streams: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchDag:
    dag_id: str
    triggers: tuple[str, ...]  # any of these assets updated starts a run
    asset: str  # URI of the golden records
    partitions: int


@dataclass(frozen=True, slots=True)
class PublishDag:
    target: str
    connection: str
    dag_id: str
    schedule: str | None  # a cron or preset; None: when the golden records change
    trigger: str  # URI of the golden records
    pool: str


@dataclass(frozen=True, slots=True)
class DagPlan:
    """Everything generated for one project."""

    project: str
    ingest: tuple[IngestDag, ...]
    match: MatchDag | None
    publish: tuple[PublishDag, ...]
    pools: tuple[PoolSpec, ...]

    def dag_ids(self) -> list[str]:
        match = [self.match.dag_id] if self.match else []
        return [d.dag_id for d in self.ingest] + match + [d.dag_id for d in self.publish]


def pool_name(connection: str) -> str:
    return f"{DAG_PREFIX}{connection}"


def source_records_asset(project: str, connection: str) -> str:
    return f"{ASSET_SCHEME}://{quote(project, safe='')}/source_records/{connection}"


def golden_records_asset(project: str) -> str:
    return f"{ASSET_SCHEME}://{quote(project, safe='')}/golden_records"


def plan_dags(config: ProjectConfig) -> DagPlan:
    """The DAGs and pools for ``config`` (a validated ``crmhub.yaml``)."""
    ingest = tuple(
        IngestDag(
            connection=name,
            dag_id=f"{DAG_PREFIX}ingest_{name}",
            schedule=conn.schedule,
            pool=pool_name(name),
            asset=source_records_asset(config.project, name),
            streams=tuple(s for s, spec in conn.streams.items() if spec.enabled),
        )
        for name, conn in config.connections.items()
        if any(spec.enabled for spec in conn.streams.values())
    )
    golden = golden_records_asset(config.project)
    match = (
        MatchDag(
            dag_id=f"{DAG_PREFIX}match",
            triggers=tuple(d.asset for d in ingest),
            asset=golden,
            partitions=config.matching.partitions,
        )
        if ingest
        else None
    )
    publish = tuple(
        PublishDag(
            target=name,
            connection=target.connection,
            dag_id=f"{DAG_PREFIX}publish_{name}",
            schedule=target.schedule,
            trigger=golden,
            pool=pool_name(target.connection),
        )
        for name, target in config.targets.items()
        if target.enabled
    )
    pools = tuple(
        PoolSpec(
            name=pool_name(name),
            slots=conn.max_parallel,
            description=f"crmhub {config.project}: tasks talking to connection {name!r}",
        )
        for name, conn in config.connections.items()
    )
    return DagPlan(config.project, ingest, match, publish, pools)
