"""The workbench's merge and unmerge, done by the golden-record engine (``crmhub.golden``).

``TableStewardActions`` records decisions on the tables alone; this adds the actions that
recompute golden records, with the project's survivorship policy: merge, unmerge and undo.
The engine's refusals become the web's errors, with their message and hint. The command line
(``crmhub golden unmerge`` / ``undo``) goes through the same class, so both leave the same
events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from crmhub import golden
from crmhub.golden.errors import GoldenError, GoldenRecordNotFound, SourceRecordNotFound
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.undo import UndoResult
from crmhub.web.actions import GoldenChange, TableStewardActions
from crmhub.web.errors import Conflict, NotFound, WebError

if TYPE_CHECKING:
    from crmhub.config.project import Project


def _web_error(exc: GoldenError) -> WebError:
    kind = NotFound if isinstance(exc, GoldenRecordNotFound | SourceRecordNotFound) else Conflict
    return kind(exc.message, hint=exc.hint)


class GoldenStewardActions(TableStewardActions):
    """Decisions on the tables; merges and unmerges through ``crmhub.golden``."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], policy: SurvivorshipPolicy) -> None:
        super().__init__(engine, clock)
        self._policy = policy

    def merge(self, golden_id: str, other_golden_id: str, *, actor: str, why: str | None) -> GoldenChange:
        try:
            result = golden.merge(self._engine, golden_id, other_golden_id, actor, why, policy=self._policy)
        except GoldenError as exc:
            raise _web_error(exc) from None
        return GoldenChange((result.survivor, result.merged), result.event_id)

    def unmerge(self, golden_id: str, source_ids: Sequence[int], *, actor: str, why: str | None) -> GoldenChange:
        try:
            result = golden.unmerge(self._engine, golden_id, list(source_ids), actor, why, policy=self._policy)
        except GoldenError as exc:
            raise _web_error(exc) from None
        return GoldenChange((result.kept, result.split), result.event_id)

    def undo(self, event_id: int, *, actor: str, why: str | None) -> UndoResult:
        """Undo the merge or unmerge recorded by event ``event_id`` (an undo can be undone)."""
        try:
            return golden.undo(self._engine, event_id, actor, why, policy=self._policy)
        except GoldenError as exc:
            raise _web_error(exc) from None


def golden_actions_for_project(
    load_project: Callable[[], Project], engine: Engine, clock: Callable[[], datetime]
) -> GoldenStewardActions | None:
    """Merge and unmerge with the project's survivorship policy; None without a project (a bare
    database URL): the workbench then records decisions only. Shared by `crmhub serve` and the
    Airflow plugin."""
    from crmhub.errors import ProjectNotFound

    try:
        survivorship = load_project().config.survivorship
    except ProjectNotFound:
        return None
    return GoldenStewardActions(engine, clock, SurvivorshipPolicy.from_config(survivorship))
