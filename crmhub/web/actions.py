"""What a steward can change, behind one small interface the pages and the API call.

``StewardActions`` is the integration point with the engines being built beside the
workbench: deciding a pair is done here on the tables alone (a row in
``steward_decisions``, which the matcher reads as a must-link / cannot-link constraint, and an
event); merging and unmerging golden records belong to ``crmhub.golden``. Pass an
implementation that delegates to it as ``create_app(settings, actions=...)``;
``TableStewardActions`` (the default) answers merge and unmerge with
:class:`ActionUnavailable` (HTTP 501) naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.engine import write_transaction
from crmhub.store.schema import STEWARD_DECISIONS, match_pairs, steward_decisions
from crmhub.web import audit
from crmhub.web.errors import ActionUnavailable, InvalidInput, NotFound

#: How each decision reads on screen and in the API.
DECISION_LABELS: dict[str, str] = {
    "same": "same customer",
    "different": "different customers",
    "unsure": "not sure",
}
MAX_COMMENT = 2_000


@dataclass(frozen=True, slots=True)
class DecisionRecorded:
    """A decision just taken: the event that records it and the decision it replaced."""

    pair_id: int
    decision: str
    event_id: int
    previous: str | None


@dataclass(frozen=True, slots=True)
class GoldenChange:
    """What a merge or unmerge did: the golden records it touched and its event."""

    golden_ids: tuple[str, ...]
    event_id: int


class StewardActions(Protocol):
    """The changes a steward makes. Implementations check nothing about permissions (the
    routes do); they validate their input and raise ``WebError``s naming what is wrong."""

    def decide(
        self, pair_id: int, decision: str, *, actor: str, comment: str | None
    ) -> DecisionRecorded:
        """Settle candidate pair ``pair_id`` as "same", "different" or "unsure"."""
        ...

    def merge(
        self, golden_id: str, other_golden_id: str, *, actor: str, why: str | None
    ) -> GoldenChange:
        """Merge golden record ``other_golden_id`` into ``golden_id``."""
        ...

    def unmerge(
        self, golden_id: str, source_ids: Sequence[int], *, actor: str, why: str | None
    ) -> GoldenChange:
        """Take ``source_ids`` out of golden record ``golden_id`` into a golden record of
        their own."""
        ...


def check_decision(decision: str, comment: str | None) -> tuple[str, str | None]:
    """The decision and comment, validated (a blank comment becomes None)."""
    if decision not in STEWARD_DECISIONS:
        raise InvalidInput(
            f"decision {decision!r} is not one of {', '.join(STEWARD_DECISIONS)}",
            hint="same = one customer, different = two customers, unsure = not sure",
        )
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"the comment has {len(comment)} characters; at most {MAX_COMMENT}",
            hint="shorten it; link a ticket for the long story",
        )
    return decision, comment


class TableStewardActions:
    """Decisions on the tables alone; merge and unmerge not wired (integration point)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    def decide(
        self, pair_id: int, decision: str, *, actor: str, comment: str | None
    ) -> DecisionRecorded:
        """Append the decision to ``steward_decisions`` and a ``steward.decided`` event, in one
        transaction. The matcher and the golden layer act on it on their next run."""
        decision, comment = check_decision(decision, comment)
        now = self._clock()
        p, d = match_pairs.c, steward_decisions.c
        with write_transaction(self._engine) as conn:
            pair = conn.execute(
                sa.select(p.a_id, p.b_id, p.probability).where(p.id == pair_id)
            ).one_or_none()
            if pair is None:
                raise NotFound(
                    f"no candidate pair with id {pair_id}",
                    hint="it may have been rescored; open the review queue again",
                )
            previous = conn.execute(
                sa.select(d.decision)
                .where(d.a_id == pair.a_id, d.b_id == pair.b_id)
                .order_by(d.decided_at.desc(), d.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            conn.execute(
                sa.insert(steward_decisions).values(
                    a_id=pair.a_id,
                    b_id=pair.b_id,
                    decision=decision,
                    actor=actor,
                    comment=comment,
                    decided_at=now,
                )
            )
            event_id = audit.record_event(
                conn,
                actor=actor,
                kind=audit.PAIR_DECIDED,
                subject_type="pair",
                subject_id=str(pair_id),
                data={
                    "a_id": pair.a_id,
                    "b_id": pair.b_id,
                    "decision": decision,
                    "previous": previous,
                    "comment": comment,
                    "probability": pair.probability,
                },
                at=now,
            )
        return DecisionRecorded(pair_id, decision, event_id, previous)

    def merge(
        self, golden_id: str, other_golden_id: str, *, actor: str, why: str | None
    ) -> GoldenChange:
        """Not available on the tables alone: see the module docstring."""
        raise _not_wired("merging golden records")

    def unmerge(
        self, golden_id: str, source_ids: Sequence[int], *, actor: str, why: str | None
    ) -> GoldenChange:
        """Not available on the tables alone: see the module docstring."""
        raise _not_wired("unmerging a golden record")


def _not_wired(what: str) -> ActionUnavailable:
    return ActionUnavailable(
        f"{what} needs the golden-record engine, which this workbench is not connected to yet",
        hint="record a 'same' or 'different' decision on the pair instead; the next "
        "match-and-merge run applies it",
    )
