"""One candidate pair for the side-by-side view: both records, their fields aligned, the
matcher's explanation and the decisions stewards took on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.match.explain import stored_parts
from crmhub.store.schema import match_pairs, steward_decisions
from crmhub.web.display import AlignedRow, align
from crmhub.web.errors import NotFound
from crmhub.web.records import SourceRecord, load_records


@dataclass(frozen=True, slots=True)
class Contribution:
    """One comparison's part in the score (from ``match_pairs.explanation``)."""

    comparison: str
    level: str
    left_value: str
    right_value: str
    weight: float

    @property
    def direction(self) -> str:
        """ "for" a match, "against" it, or "neutral"."""
        return "for" if self.weight > 0 else "against" if self.weight < 0 else "neutral"


@dataclass(frozen=True, slots=True)
class Decision:
    """A steward's decision on the pair."""

    decision: str
    actor: str
    comment: str | None
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class PairView:
    """Everything the side-by-side view shows."""

    id: int
    status: str
    score: float
    probability: float | None
    model_version: str | None
    left: SourceRecord
    right: SourceRecord
    rows: list[AlignedRow]
    prior_weight: float | None
    contributions: list[Contribution]
    decisions: list[Decision]

    @property
    def decision(self) -> str | None:
        """The standing (latest) decision, if any."""
        return self.decisions[0].decision if self.decisions else None


def contributions(explanation: dict[str, Any]) -> list[Contribution]:
    """The comparisons of an explanation, strongest effect first (unknown shapes tolerated)."""
    parts = []
    for part in stored_parts(explanation):
        weight = float(part.get("weight") or 0.0) + float(part.get("tf_adjustment") or 0.0)
        parts.append(
            Contribution(
                comparison=str(part.get("comparison", "?")),
                level=str(part.get("level", "")),
                left_value=str(part.get("left_value") or ""),
                right_value=str(part.get("right_value") or ""),
                weight=weight,
            )
        )
    return sorted(parts, key=lambda c: -abs(c.weight))


def pair_view(engine: Engine, pair_id: int) -> PairView:
    """The pair ``pair_id``; :class:`NotFound` if there is none."""
    p, d = match_pairs.c, steward_decisions.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(match_pairs).where(p.id == pair_id)).one_or_none()
        if row is None:
            raise NotFound(
                f"no candidate pair with id {pair_id}",
                hint="it may have been rescored; open the review queue again",
            )
        records = load_records(conn, [row.a_id, row.b_id])
        decisions = [
            Decision(r.decision, r.actor, r.comment, r.decided_at)
            for r in conn.execute(
                sa.select(d.decision, d.actor, d.comment, d.decided_at)
                .where(d.a_id == row.a_id, d.b_id == row.b_id)
                .order_by(d.decided_at.desc(), d.id.desc())
            )
        ]
    left, right = records[row.a_id], records[row.b_id]
    explanation = row.explanation if isinstance(row.explanation, dict) else {}
    prior = explanation.get("prior_weight")
    return PairView(
        id=row.id,
        status=row.status,
        score=row.score,
        probability=row.probability,
        model_version=row.model_version,
        left=left,
        right=right,
        rows=align(left.canonical, right.canonical),
        prior_weight=float(prior) if prior is not None else None,
        contributions=contributions(explanation),
        decisions=decisions,
    )
