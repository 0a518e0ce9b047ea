"""The review queue: candidate pairs the matcher left for a steward (status ``review``).

Ordered by *impact*: the pair's probability, raised by how much history the two records carry
(orders and interactions), so a likely duplicate of a customer with years of orders comes
before a likely duplicate of a bare lead::

    impact = probability * (1 + history / (history + HISTORY_HALF))

(between 1x and 2x the probability; a pair with HISTORY_HALF entries of history gets 1.5x).
A pair leaves the queue once a steward decided it same or different; "not sure" moves it to
the ``unsure`` list. Filters: a system (connection of either record), a score band, a party
kind. The history counts are read from the stored canonical JSON, so a page costs one pass
over the review pairs (bounded by their number, not by the store's size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.schema import connection_state, match_pairs, source_records, steward_decisions
from crmhub.web.errors import InvalidInput

HISTORY_HALF = 10.0
HISTORY_LISTS: tuple[str, ...] = ("orders", "interactions")

#: Score bands on the pair's probability: name -> (lowest included, highest excluded).
SCORE_BANDS: dict[str, tuple[float, float]] = {
    "high": (0.9, 1.01),
    "medium": (0.6, 0.9),
    "low": (0.0, 0.6),
}
PARTY_KINDS: tuple[str, ...] = ("person", "organization")
QUEUE_STATES: tuple[str, ...] = ("open", "unsure")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which review pairs to show. Empty fields do not filter."""

    system: str | None = None
    band: str | None = None
    kind: str | None = None
    state: str = "open"

    def __post_init__(self) -> None:
        _check_choice("band", self.band, tuple(SCORE_BANDS))
        _check_choice("kind", self.kind, PARTY_KINDS)
        _check_choice("state", self.state, QUEUE_STATES)

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (empty ones left out)."""
        params = {"system": self.system, "band": self.band, "kind": self.kind}
        found = {k: v for k, v in params.items() if v}
        if self.state != "open":
            found["state"] = self.state
        return found


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value and value not in choices:
        raise InvalidInput(
            f"queue filter {name}={value!r} is not one of {', '.join(choices)}",
            hint="use the filter form on the queue page",
        )


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One candidate pair in the queue."""

    pair_id: int
    position: int
    probability: float | None
    score: float
    impact: float
    history: int
    kind: str | None
    left_name: str
    left_system: str
    right_name: str
    right_system: str
    decision: str | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """A page of the queue and the number of pairs matching the filter."""

    items: list[QueueItem]
    total: int
    offset: int


def _history(dialect: str, canonical: Any) -> sa.ColumnElement[Any]:
    """orders + interactions of one record, from its canonical JSON (missing lists count 0)."""
    if dialect == "postgresql":
        parts = [sa.func.jsonb_array_length(canonical[name]) for name in HISTORY_LISTS]
    else:
        parts = [sa.func.json_array_length(canonical, f"$.{name}") for name in HISTORY_LISTS]
    total: sa.ColumnElement[Any] = sa.literal(0)
    for part in parts:
        total = total + sa.func.coalesce(part, 0)
    return total


def _latest_decision(p: Any) -> sa.ScalarSelect[Any]:
    d = steward_decisions.c
    return (
        sa.select(d.decision)
        .where(d.a_id == p.a_id, d.b_id == p.b_id)
        .order_by(d.decided_at.desc(), d.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _queue_select(dialect: str, wanted: QueueFilter) -> sa.Select[Any]:
    p = match_pairs.c
    a, b = source_records.alias("a"), source_records.alias("b")
    history = (_history(dialect, a.c.canonical) + _history(dialect, b.c.canonical)).label("history")
    probability = sa.func.coalesce(p.probability, 0.0)
    impact = (
        probability
        * (1.0 + sa.cast(history, sa.Float) / (sa.cast(history, sa.Float) + HISTORY_HALF))
    ).label("impact")
    decision = _latest_decision(p).label("decision")
    inner = (
        sa.select(
            p.id,
            p.probability,
            p.score,
            history,
            impact,
            decision,
            sa.func.coalesce(a.c.party_kind, b.c.party_kind).label("kind"),
            a.c.display_name.label("left_name"),
            a.c.connection.label("left_system"),
            b.c.display_name.label("right_name"),
            b.c.connection.label("right_system"),
        )
        .join_from(match_pairs, a, a.c.id == p.a_id)
        .join(b, b.c.id == p.b_id)
        .where(p.status == "review")
    )
    if wanted.system:
        inner = inner.where(
            sa.or_(a.c.connection == wanted.system, b.c.connection == wanted.system)
        )
    if wanted.kind:
        inner = inner.where(sa.or_(a.c.party_kind == wanted.kind, b.c.party_kind == wanted.kind))
    if wanted.band:
        low, high = SCORE_BANDS[wanted.band]
        inner = inner.where(probability >= low, probability < high)
    sub = inner.subquery("queue")
    state = sub.c.decision.is_(None) if wanted.state == "open" else sub.c.decision == "unsure"
    return sa.select(sub).where(state)


def _rows(conn: Connection, wanted: QueueFilter, offset: int, limit: int) -> list[Any]:
    sub = _queue_select(conn.dialect.name, wanted).subquery("ordered")
    return conn.execute(
        sa.select(sub).order_by(sub.c.impact.desc(), sub.c.id).offset(offset).limit(limit)
    ).all()


def queue_page(engine: Engine, wanted: QueueFilter, *, offset: int, limit: int) -> QueuePage:
    """The pairs at ``offset`` .. ``offset + limit`` of the queue, by impact."""
    counted = _queue_select(engine.dialect.name, wanted).subquery("counted")
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()
        rows = _rows(conn, wanted, offset, limit)
    items = [_item(row, offset + i) for i, row in enumerate(rows)]
    return QueuePage(items, int(total), offset)


def _item(row: Any, position: int) -> QueueItem:
    return QueueItem(
        pair_id=row.id,
        position=position,
        probability=row.probability,
        score=row.score,
        impact=float(row.impact),
        history=int(row.history),
        kind=row.kind,
        left_name=row.left_name or "",
        left_system=row.left_system,
        right_name=row.right_name or "",
        right_system=row.right_system,
        decision=row.decision,
    )


def pair_at(engine: Engine, wanted: QueueFilter, position: int) -> int | None:
    """The id of the pair at ``position`` in the queue, or None past its end."""
    if position < 0:
        return None
    with engine.connect() as conn:
        rows = _rows(conn, wanted, position, 1)
    return int(rows[0].id) if rows else None


def systems(conn: Connection) -> list[str]:
    """The connections the store knows (for the system filter)."""
    c = connection_state.c
    return list(conn.execute(sa.select(c.connection).distinct().order_by(c.connection)).scalars())
