"""API tokens for automation: created for a user with a role no stronger than theirs, shown
once, kept as SHA-256, checked on every API call, revocable.

A token acts with the weaker of its own role and its user's current role, and stops working
when its user is deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.engine import write_transaction
from crmhub.store.schema import api_tokens, users
from crmhub.web import audit
from crmhub.web.credentials import API_TOKEN_PREFIX, new_token, token_hash
from crmhub.web.errors import InvalidInput, NotFound
from crmhub.web.roles import Role
from crmhub.web.users import User, user_by_name

# How often last_used_at is written for a token in steady use (not on every call).
LAST_USED_RESOLUTION_S = 60


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed (never the token itself)."""

    id: int
    user_name: str
    label: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: ``token`` is shown to its owner this once and never again."""

    info: TokenInfo
    token: str


def create_token(
    engine: Engine,
    *,
    user_name: str,
    label: str,
    role: Role | None,
    actor: str,
    now: datetime,
) -> NewToken:
    """A new token for ``user_name`` with ``role`` (default: the user's role)."""
    owner = user_by_name(engine, user_name)
    scope = role or owner.role
    if not owner.role.at_least(scope):
        raise InvalidInput(
            f"user {user_name!r} is a {owner.role}; a token cannot have the stronger role {scope}",
            hint=f"create the token with --role {owner.role} or a weaker role",
        )
    label = label.strip() or "token"
    token = new_token(API_TOKEN_PREFIX)
    with write_transaction(engine) as conn:
        token_id = conn.execute(
            sa.insert(api_tokens)
            .values(
                user_id=owner.id,
                label=label[:200],
                token_hash=token_hash(token),
                role=scope.value,
                created_at=now,
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        audit.record_event(
            conn,
            actor=actor,
            kind=audit.TOKEN_CREATED,
            subject_type="user",
            subject_id=user_name,
            data={"token_id": int(token_id), "label": label, "role": scope.value},
            at=now,
        )
    info = TokenInfo(int(token_id), user_name, label, scope, now, None, None)
    return NewToken(info, token)


def list_tokens(engine: Engine, user_name: str | None = None) -> list[TokenInfo]:
    """Every token (or those of ``user_name``), newest first, revoked ones included."""
    t, u = api_tokens.c, users.c
    query = (
        sa.select(t.id, u.name, t.label, t.role, t.created_at, t.last_used_at, t.revoked_at)
        .join_from(api_tokens, users, t.user_id == u.id)
        .order_by(t.id.desc())
    )
    if user_name is not None:
        query = query.where(u.name == user_name)
    with engine.connect() as conn:
        return [
            TokenInfo(
                r.id, r.name, r.label, Role(r.role), r.created_at, r.last_used_at, r.revoked_at
            )
            for r in conn.execute(query)
        ]


def revoke_token(engine: Engine, token_id: int, *, actor: str, now: datetime) -> TokenInfo:
    """Revoke token ``token_id`` (it stops working at once); revoking twice is harmless."""
    with write_transaction(engine) as conn:
        row = conn.execute(
            sa.select(api_tokens.c.revoked_at, users.c.name)
            .join_from(api_tokens, users, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.id == token_id)
        ).one_or_none()
        if row is None:
            raise NotFound(
                f"no API token with id {token_id}",
                hint="`crmhub users tokens list` shows the tokens and their ids",
            )
        if row.revoked_at is None:
            conn.execute(
                sa.update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now)
            )
            audit.record_event(
                conn,
                actor=actor,
                kind=audit.TOKEN_REVOKED,
                subject_type="user",
                subject_id=row.name,
                data={"token_id": token_id},
                at=now,
            )
    return next(t for t in list_tokens(engine, row.name) if t.id == token_id)


def user_for_token(engine: Engine, token: str, now: datetime) -> User | None:
    """The user a live token acts as, with the token's effective role; None if the token is
    unknown, revoked or its user inactive."""
    t, u = api_tokens.c, users.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                t.id,
                t.role,
                t.last_used_at,
                u.id.label("user_id"),
                u.name,
                u.role.label("user_role"),
                u.active,
                u.created_at,
            )
            .join_from(api_tokens, users, t.user_id == u.id)
            .where(t.token_hash == token_hash(token), t.revoked_at.is_(None))
        ).one_or_none()
    if row is None or not row.active:
        return None
    if (
        row.last_used_at is None
        or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S
    ):
        with engine.begin() as conn:
            conn.execute(sa.update(api_tokens).where(t.id == row.id).values(last_used_at=now))
    scope, user_role = Role(row.role), Role(row.user_role)
    effective = scope if user_role.at_least(scope) else user_role
    return User(row.user_id, row.name, effective, True, row.created_at)
