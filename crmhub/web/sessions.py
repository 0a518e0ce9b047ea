"""Browser sessions: a random token in a signed cookie, its SHA-256 in ``user_sessions``.

Keeping sessions in the store (not only in the cookie) is what makes logout, deactivating a
user and expiry real: a copied cookie stops working the moment its row is gone or past
``expires_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.schema import user_sessions, users
from crmhub.web.credentials import new_token, token_hash
from crmhub.web.roles import Role
from crmhub.web.users import User


def start_session(engine: Engine, user: User, *, now: datetime, ttl: timedelta) -> str:
    """A new session for ``user`` lasting ``ttl``; returns its token (for the cookie).

    Sessions that expired (anyone's) are deleted on the way, so the table does not grow.
    """
    token = new_token()
    with engine.begin() as conn:
        conn.execute(sa.delete(user_sessions).where(user_sessions.c.expires_at <= now))
        conn.execute(
            sa.insert(user_sessions).values(
                token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=now + ttl
            )
        )
    return token


def user_for_session(engine: Engine, token: str, now: datetime) -> User | None:
    """The active user whose unexpired session ``token`` is, or None."""
    s, u = user_sessions.c, users.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(u.id, u.name, u.role, u.active, u.created_at, s.expires_at)
            .join_from(user_sessions, users, s.user_id == u.id)
            .where(s.token_hash == token_hash(token))
        ).one_or_none()
    if row is None or not row.active or row.expires_at <= now:
        return None
    return User(row.id, row.name, Role(row.role), True, row.created_at)


def end_session(engine: Engine, token: str) -> None:
    """Forget the session ``token`` (logout); nothing happens if it is unknown."""
    with engine.begin() as conn:
        conn.execute(
            sa.delete(user_sessions).where(user_sessions.c.token_hash == token_hash(token))
        )
