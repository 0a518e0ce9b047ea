"""The whole cycle (`crmhub run`): ingest every connection, match and merge, publish every
target, with one report of what each step did or why it failed.

    report = run_cycle(project, engine, on_event=show)
    for step in report.failures(): print(step.kind, step.name, step.error)
    sys.exit(report.exit_code)
"""

from crmhub.cycle.report import (
    CycleEvent,
    CycleReport,
    IngestResult,
    MatchResult,
    PublishResult,
    StepResult,
)
from crmhub.cycle.run import cycle_connections, cycle_targets, run_cycle

__all__ = [
    "CycleEvent",
    "CycleReport",
    "IngestResult",
    "MatchResult",
    "PublishResult",
    "StepResult",
    "cycle_connections",
    "cycle_targets",
    "run_cycle",
]
