"""The sync engine: golden records written back to the systems that want them (targets).

Typical use::

    report = plan_target(project, engine, "salesforce_contacts")          # fills the outbox
    report = publish(project, engine, "salesforce_contacts", on_progress=show)   # plans, writes
    retry_dead(engine, target="salesforce_contacts", all_=True)
    for entry in list_outbox(engine, statuses=["dead"]): ...
    for conflict in list_conflicts(engine): ...
    resolve_conflict(engine, conflict.id, "hub", actor="anna")
    echoes = EchoFilter.for_stream(project, "salesforce", "Contact")   # for the ingest

Where things live (one concept per module): ``targets`` resolves and checks a target;
``fields`` the owner and conflict policy of each target field; ``filters`` which golden
records a target takes; ``desired`` a record's desired values; ``diff`` the three-way diff
and ``policies`` the conflict policies; ``decide`` one record's outcome; ``plan`` the whole
target into the ``outbox``; ``publish`` the outbox through the connector into the ``ledger``;
``records`` the per-record sync state; ``conflicts``; ``echo`` echo suppression; ``values``
what counts as the same value. See README.md in this folder for the configuration.
"""

from crmhub.sync.conflicts import ConflictEntry, list_conflicts, resolve_conflict
from crmhub.sync.decide import OUTCOMES
from crmhub.sync.echo import EchoFilter
from crmhub.sync.errors import ConflictNotFound, OutboxEntryNotFound, SyncError, UnknownTarget
from crmhub.sync.ledger import LedgerEntry, ledger_of
from crmhub.sync.outbox import OutboxEntry, list_outbox, retry_dead
from crmhub.sync.plan import PlannedChange, PlanReport, plan_target
from crmhub.sync.publish import PublishReport, publish
from crmhub.sync.targets import Target, load_target, targets_of_stream
from crmhub.sync.values import same_value

__all__ = [
    "OUTCOMES",
    "ConflictEntry",
    "ConflictNotFound",
    "EchoFilter",
    "LedgerEntry",
    "OutboxEntry",
    "OutboxEntryNotFound",
    "PlanReport",
    "PlannedChange",
    "PublishReport",
    "SyncError",
    "Target",
    "UnknownTarget",
    "ledger_of",
    "list_conflicts",
    "list_outbox",
    "load_target",
    "plan_target",
    "publish",
    "resolve_conflict",
    "retry_dead",
    "same_value",
    "targets_of_stream",
]
