"""Connecting a target that already held customers before the hub: the records to stamp.

A target record the hub did not create does not carry the golden id in the target's
``id_field``, so a publish leaves it alone (``unlinked``) rather than upsert a duplicate beside
it. Once, when a target is connected, an administrator stamps the ids with the target's own bulk
tool (Salesforce Data Loader, an SQL update): :func:`export_unlinked` writes the list to load, one
row per record: the target's own key and the golden id it is matched to. The next cycle then
recognises those records as the hub's and keeps them in sync.
"""

from __future__ import annotations

import csv
from typing import TextIO

from sqlalchemy.engine import Engine

from crmhub.config.project import Project
from crmhub.store.locks import connection_lock
from crmhub.sync.decide import Decision
from crmhub.sync.plan import plan_loaded
from crmhub.sync.targets import load_target

KEY_COLUMN = "key"


def export_unlinked(project: Project, engine: Engine, target: str, out: TextIO) -> int:
    """Write ``key,<id_field>`` rows for the target's unlinked records to ``out`` as CSV; how
    many. Plans without writing anything (a dry run), a page of golden records at a time."""
    resolved = load_target(project, target)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([KEY_COLUMN, resolved.id_field or "golden_id"])
    written = 0

    def write(decisions: list[Decision]) -> None:
        nonlocal written
        for decision in decisions:
            if decision.outcome == "unlinked" and decision.unlinked_key is not None:
                writer.writerow([decision.unlinked_key, decision.golden_id])
                written += 1

    with connection_lock(engine, f"target:{target}"):
        plan_loaded(engine, resolved, dry_run=True, on_decisions=write)
    return written
