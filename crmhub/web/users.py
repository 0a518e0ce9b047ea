"""Workbench users: create, find, list, change role, deactivate, check a password.

A user's name is their login. Every change is an event in the audit log (subject "user",
the user's name), in the same transaction as the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from crmhub.store.engine import write_transaction
from crmhub.store.schema import user_sessions, users
from crmhub.web import audit
from crmhub.web.errors import Conflict, InvalidInput, NotFound
from crmhub.web.passwords import Passwords
from crmhub.web.roles import Role

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")


@dataclass(frozen=True, slots=True)
class User:
    """A workbench user (never carries the password hash)."""

    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime


def _user(row: Row) -> User:
    m = row._mapping
    return User(m["id"], m["name"], Role(m["role"]), bool(m["active"]), m["created_at"])


def check_user_name(name: str) -> str:
    """``name`` if it can be a login; :class:`InvalidInput` saying what is allowed otherwise."""
    if not USER_NAME.fullmatch(name):
        raise InvalidInput(
            f"user name {name!r} cannot be used",
            hint="use 1-200 letters, digits and . _ @ + - (starting with a letter or digit), "
            "e.g. anna.rossi",
        )
    return name


def create_user(
    engine: Engine,
    passwords: Passwords,
    *,
    name: str,
    password: str,
    role: Role,
    actor: str,
    now: datetime,
) -> User:
    """Add a user; :class:`Conflict` if the name is taken."""
    check_user_name(name)
    password_hash = passwords.hash(password)
    try:
        with write_transaction(engine) as conn:
            if _row_by_name(conn, name) is not None:
                raise _taken(name)
            user_id = conn.execute(
                sa.insert(users)
                .values(
                    name=name,
                    password_hash=password_hash,
                    role=role.value,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
                .returning(users.c.id)
            ).scalar_one()
            audit.record_event(
                conn,
                actor=actor,
                kind=audit.USER_CREATED,
                subject_type="user",
                subject_id=name,
                data={"role": role.value},
                at=now,
            )
    except sa.exc.IntegrityError:  # created by someone else since the check above
        raise _taken(name) from None
    return User(int(user_id), name, role, True, now)


def _taken(name: str) -> Conflict:
    return Conflict(
        f"a user named {name!r} already exists",
        hint="pick another name, or change that user's role instead",
    )


def _keep_an_admin(conn: Connection, row: Row, *, role: str, active: bool) -> None:
    """Refuse the change if it would leave no active admin to manage users."""
    if row.role != Role.ADMIN or not row.active or (role == Role.ADMIN and active):
        return
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.role == Role.ADMIN.value, users.c.active, users.c.id != row.id)
    ).scalar_one()
    if not others:
        raise Conflict(
            f"{row.name} is the last active admin; nobody could manage users afterwards",
            hint="make another user admin first",
        )


def _row_by_name(conn: Connection, name: str) -> Row | None:
    return conn.execute(sa.select(users).where(users.c.name == name)).one_or_none()


def user_by_name(engine: Engine, name: str) -> User:
    """The user called ``name``; :class:`NotFound` if there is none."""
    with engine.connect() as conn:
        row = _row_by_name(conn, name)
    if row is None:
        raise NotFound(f"no user named {name!r}", hint="`crmhub users list` shows who exists")
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    """Every user, by name."""
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def set_role(engine: Engine, name: str, role: Role, *, actor: str, now: datetime) -> User:
    """Give the user ``name`` another role (their API tokens keep their own, narrower scope
    only if it is not above the new role: tokens are capped at the user's role when used)."""
    with write_transaction(engine) as conn:
        row = _existing(conn, name)
        _keep_an_admin(conn, row, role=role.value, active=row.active)
        conn.execute(
            sa.update(users).where(users.c.id == row.id).values(role=role.value, updated_at=now)
        )
        audit.record_event(
            conn,
            actor=actor,
            kind=audit.USER_ROLE_CHANGED,
            subject_type="user",
            subject_id=name,
            data={"before": row.role, "after": role.value},
            at=now,
        )
    return user_by_name(engine, name)


def set_active(engine: Engine, name: str, active: bool, *, actor: str, now: datetime) -> User:
    """Deactivate (ending every session of) or reactivate the user ``name``."""
    kind = audit.USER_REACTIVATED if active else audit.USER_DEACTIVATED
    with write_transaction(engine) as conn:
        row = _existing(conn, name)
        _keep_an_admin(conn, row, role=row.role, active=active)
        conn.execute(
            sa.update(users).where(users.c.id == row.id).values(active=active, updated_at=now)
        )
        if not active:
            conn.execute(sa.delete(user_sessions).where(user_sessions.c.user_id == row.id))
        audit.record_event(
            conn, actor=actor, kind=kind, subject_type="user", subject_id=name, data={}, at=now
        )
    return user_by_name(engine, name)


def _existing(conn: Connection, name: str) -> Row:
    row = _row_by_name(conn, name)
    if row is None:
        raise NotFound(f"no user named {name!r}", hint="`crmhub users list` shows who exists")
    return row


def check_password(engine: Engine, passwords: Passwords, name: str, password: str) -> User | None:
    """The active user ``name`` if ``password`` is theirs, else None (same cost either way).

    A hash made with older argon2 costs is replaced by one with the current costs.
    """
    with engine.connect() as conn:
        row = _row_by_name(conn, name)
    stored = row.password_hash if row is not None else None
    if not passwords.verify(stored, password) or row is None or not row.active:
        return None
    if passwords.needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(
                sa.update(users)
                .where(users.c.id == row.id)
                .values(password_hash=passwords.hash(password))
            )
    return _user(row)
