"""The partitioned match as three kinds of task: plan, score one partition (mapped), finish.

``matching.partitions: N`` in crmhub.yaml splits the candidate pairs by blocking key into N
partitions; Airflow scores them in parallel (dynamic task mapping, one task per partition the
plan returns) and the finish clusters and merges them as the single-process match would.
"""

from __future__ import annotations

import logging
from typing import Any

from crmhub.orchestration.tasks import ACTOR, opened

log = logging.getLogger("crmhub.orchestration")


def plan(project_dir: str, partitions: int) -> list[int]:
    """The partitions that hold work (the mapped task runs once for each)."""
    from crmhub.match.partitioned import plan_partitions

    with opened(project_dir) as (project, engine):
        planned = [int(p) for p in plan_partitions(project, engine, partitions)]
    log.info("crmhub match: %d of %d partitions hold candidate pairs", len(planned), partitions)
    return planned


def score(project_dir: str, partition: int, partitions: int) -> dict[str, Any]:
    """Score the candidate pairs of one partition."""
    from crmhub.match.partitioned import score_partition

    with opened(project_dir) as (project, engine):
        report = score_partition(project, engine, partition, partitions)
    log.info("crmhub match partition %d of %d: %s", partition, partitions, report.counts())
    return report.counts()


def finish(project_dir: str, partitions: int) -> dict[str, Any]:
    """Cluster the scored pairs and update the golden records: the match run's counts."""
    from crmhub.match.partitioned import finish_partitioned

    with opened(project_dir) as (project, engine):
        report = finish_partitioned(project, engine, partitions, actor=ACTOR)
    log.info("crmhub match (%d partitions): %s", partitions, report.counts())
    return report.counts()
