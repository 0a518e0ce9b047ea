"""The workbench's merge and unmerge, done by the golden-record engine (``crmhub.golden``).

``TableStewardActions`` records decisions on the tables alone; this adds the two actions that
recompute golden records, with the project's survivorship policy. The engine's refusals
become the web's errors, with their message and hint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine

from crmhub import golden
from crmhub.golden.errors import GoldenError, GoldenRecordNotFound, SourceRecordNotFound
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.web.actions import GoldenChange, TableStewardActions
from crmhub.web.errors import Conflict, NotFound, WebError


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
