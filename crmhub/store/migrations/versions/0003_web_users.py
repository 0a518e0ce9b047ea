"""Steward workbench: users, their browser sessions, API tokens and failed logins.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Written by hand to match crmhub/store/schema.py; it must never import schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 200
ROLES = ("viewer", "steward", "admin")
SHA256_HEX = 64


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _role_check(table: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{r}'" for r in ROLES)
    return sa.CheckConstraint(f"role IN ({allowed})", name=op.f(f"ck_{table}_role"))


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    """Create users, user_sessions, api_tokens and login_failures."""
    op.create_table(
        "users",
        sa.Column("id", _big_id(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        _role_check("users"),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(SHA256_HEX), nullable=False),
        sa.Column("user_id", _big_id(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("expires_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
        _user_fk("user_sessions"),
    )
    _index("user_sessions", "user_id")
    _index("user_sessions", "expires_at")
    op.create_table(
        "api_tokens",
        sa.Column("id", _big_id(), primary_key=True, autoincrement=True),
        sa.Column("user_id", _big_id(), nullable=False),
        sa.Column("label", sa.String(NAME), nullable=False),
        sa.Column("token_hash", sa.String(SHA256_HEX), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("last_used_at", _ts(), nullable=True),
        sa.Column("revoked_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        _user_fk("api_tokens"),
        _role_check("api_tokens"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    _index("api_tokens", "user_id")
    op.create_table(
        "login_failures",
        sa.Column("id", _big_id(), primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(NAME), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    _index("login_failures", "user_name", "address", "at")
    _index("login_failures", "at")


def downgrade() -> None:
    """Drop what upgrade() created, dependants first."""
    for table in ("login_failures", "api_tokens", "user_sessions", "users"):
        op.drop_table(table)
