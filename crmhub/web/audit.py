"""The audit log as the workbench writes and reads it: the store's append-only ``events``.

The workbench writes the events of its own actions (kinds below); the golden layer writes
``golden.*``. Reading is keyset-paginated newest first (``before`` = the smallest id shown),
so a page costs the same on the millionth event as on the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.store.schema import events

# Kinds of the events the workbench writes (subject type in brackets).
PAIR_DECIDED = "steward.decided"  # [pair] a steward settled a candidate pair
USER_CREATED = "user.created"  # [user]
USER_ROLE_CHANGED = "user.role_changed"  # [user]
USER_DEACTIVATED = "user.deactivated"  # [user]
USER_REACTIVATED = "user.reactivated"  # [user]
TOKEN_CREATED = "token.created"  # [user] (the token's id, label and role; never the token)
TOKEN_REVOKED = "token.revoked"  # [user]


@dataclass(frozen=True, slots=True)
class Event:
    """One audit log entry."""

    id: int
    at: datetime
    actor: str
    kind: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What the audit page shows; every field is optional. ``since``/``until`` are inclusive
    and exclusive bounds on ``at``; a ``kind`` ending in ``*`` matches a prefix ("golden.*")."""

    kind: str | None = None
    actor: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    """A page of events, newest first; ``older`` is the ``before`` of the next page, if any."""

    events: list[Event]
    older: int | None


def record_event(
    conn: Connection,
    *,
    actor: str,
    kind: str,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any],
    at: datetime,
) -> int:
    """Append one event in the caller's transaction; returns its id."""
    result = conn.execute(
        sa.insert(events)
        .values(
            at=at,
            actor=actor,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data,
        )
        .returning(events.c.id)
    )
    return int(result.scalar_one())


def _conditions(wanted: EventFilter) -> list[sa.ColumnElement[bool]]:
    c = events.c
    found: list[sa.ColumnElement[bool]] = []
    if wanted.kind:
        if wanted.kind.endswith("*"):
            found.append(c.kind.startswith(wanted.kind[:-1], autoescape=True))
        else:
            found.append(c.kind == wanted.kind)
    if wanted.actor:
        found.append(c.actor == wanted.actor)
    if wanted.subject_type:
        found.append(c.subject_type == wanted.subject_type)
    if wanted.subject_id:
        found.append(c.subject_id == wanted.subject_id)
    if wanted.since:
        found.append(c.at >= wanted.since)
    if wanted.until:
        found.append(c.at < wanted.until)
    return found


def event_page(
    engine: Engine, wanted: EventFilter, *, limit: int, before: int | None = None
) -> EventPage:
    """Up to ``limit`` events matching ``wanted``, newest first, with ids below ``before``."""
    c = events.c
    query = sa.select(events).where(*_conditions(wanted)).order_by(c.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(c.id < before)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    shown = [Event(**row._mapping) for row in rows[:limit]]
    older = shown[-1].id if len(rows) > limit else None
    return EventPage(shown, older)


def events_about(
    engine: Engine, subject_type: str, subject_ids: list[str], *, limit: int
) -> list[Event]:
    """The newest events about any of ``subject_ids`` (uses the subject index)."""
    if not subject_ids:
        return []
    c = events.c
    query = (
        sa.select(events)
        .where(c.subject_type == subject_type, c.subject_id.in_(subject_ids))
        .order_by(c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [Event(**row._mapping) for row in conn.execute(query)]
