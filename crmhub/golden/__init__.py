"""Golden records: survivorship, lineage, stable ids, reversible merge and unmerge.

The engine hands in the matcher's clusters; everything else is a steward's tool::

    policy = SurvivorshipPolicy.from_config(project.config.survivorship)
    apply_clusters(engine, clusters, actor="matcher", run_id=run_id, policy=policy)
    recompute(engine, golden_ids, actor="crmhub", policy=policy)     # after source changes
    merged = merge(engine, a, b, actor="anna", why="same VAT number", policy=policy)
    split = unmerge(engine, gid, [source_id], actor="anna", why="a namesake", policy=policy)
    undo(engine, merged.event_id, actor="anna", policy=policy)
    set_override(engine, gid, "person.birth_date", "1980-03-01", actor="anna", policy=policy)
    record = golden_record(engine, gid)                      # follows redirects
    for field in lineage(engine, gid, "emails"): ...

Where things live: the field catalogue in ``fields``, the rules in ``rules``, the consent
policy in ``consents``, the computation in ``survivorship`` (pure), cluster planning in
``cluster_plan`` (pure), the audit trail in ``events``. Every change is an event.
"""

from crmhub.golden.cluster_plan import BatchPlan, GoldenState, plan_batch
from crmhub.golden.clusters import ClusterResult, RefusedCluster, apply_clusters
from crmhub.golden.errors import (
    GoldenError,
    GoldenRecordNotFound,
    InvalidClusters,
    InvalidOverride,
    MergeRefused,
    SourceRecordNotFound,
    UndoRefused,
    UnknownField,
    UnmergeRefused,
)
from crmhub.golden.events import EVENT_KINDS
from crmhub.golden.fields import FIELDS, FieldKind, resolve_field_path
from crmhub.golden.merge import MergeResult, UnmergeResult, merge, unmerge
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.reading import (
    FieldLineage,
    GoldenRecord,
    golden_id_of_source,
    golden_record,
    lineage,
)
from crmhub.golden.recompute import RecomputeResult, golden_ids_of_sources, recompute
from crmhub.golden.rules import RULES
from crmhub.golden.sources import SourceRef
from crmhub.golden.steward import clear_override, set_override
from crmhub.golden.survivorship import GoldenContent, survive
from crmhub.golden.undo import UndoResult, undo

__all__ = [
    "EVENT_KINDS",
    "FIELDS",
    "RULES",
    "BatchPlan",
    "ClusterResult",
    "FieldKind",
    "FieldLineage",
    "GoldenContent",
    "GoldenError",
    "GoldenRecord",
    "GoldenRecordNotFound",
    "GoldenState",
    "InvalidClusters",
    "InvalidOverride",
    "MergeRefused",
    "MergeResult",
    "RecomputeResult",
    "RefusedCluster",
    "SourceRecordNotFound",
    "SourceRef",
    "SurvivorshipPolicy",
    "UndoRefused",
    "UndoResult",
    "UnknownField",
    "UnmergeRefused",
    "UnmergeResult",
    "apply_clusters",
    "clear_override",
    "golden_id_of_source",
    "golden_ids_of_sources",
    "golden_record",
    "lineage",
    "merge",
    "plan_batch",
    "recompute",
    "resolve_field_path",
    "set_override",
    "survive",
    "undo",
    "unmerge",
]
