"""Sync to targets: per-record sync state, conflicts, ledger golden ids, one open change per record.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

``target_records`` holds what the hub knows of each golden record in each target (its id
there, the base of the three-way diff, the latest value written per field); ``conflicts``
every field both sides changed, with its resolution; ``write_ledger`` gains the golden id a
record was written under and the operation; ``outbox`` gets a partial unique index so that
a record has at most one change waiting per target. Written by hand; it must never import
schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 200
KEY = 512
GOLDEN_ID = 32
RESOLUTIONS = ("hub", "target", "open")
OPEN_OUTBOX = "status <> 'sent'"


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _golden_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["golden_id"], ["golden_records.id"], name=op.f(f"fk_{table}_golden_id_golden_records")
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    """Add target_records, conflicts, write_ledger.golden_id/operation and the outbox index."""
    op.create_table(
        "target_records",
        sa.Column("target", sa.String(NAME), nullable=False),
        sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=False),
        sa.Column("external_id", sa.String(KEY), nullable=True),
        sa.Column("base_hub", _json(), nullable=False),
        sa.Column("base_target", _json(), nullable=False),
        sa.Column("written", _json(), nullable=False),
        sa.Column("removed_at", _ts(), nullable=True),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("target", "golden_id", name=op.f("pk_target_records")),
        _golden_fk("target_records"),
    )
    _index("target_records", "target", "external_id")
    allowed = ", ".join(f"'{r}'" for r in RESOLUTIONS)
    op.create_table(
        "conflicts",
        sa.Column("id", _big_id(), primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(NAME), nullable=False),
        sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=False),
        sa.Column("field", sa.String(NAME), nullable=False),
        sa.Column("hub_value", _json(), nullable=True),
        sa.Column("target_value", _json(), nullable=True),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(16), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("resolved_at", _ts(), nullable=True),
        sa.Column("resolved_by", sa.String(NAME), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
        _golden_fk("conflicts"),
        sa.CheckConstraint(f"resolution IN ({allowed})", name=op.f("ck_conflicts_resolution")),
    )
    _index("conflicts", "target", "resolution")
    _index("conflicts", "target", "golden_id", "field")
    op.add_column("write_ledger", sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=True))
    op.add_column(
        "write_ledger",
        sa.Column("operation", sa.String(16), nullable=False, server_default="upsert"),
    )
    _index("write_ledger", "target", "golden_id")
    op.create_index(
        "uq_outbox_open_target_golden_id",
        "outbox",
        ["target", "golden_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_OUTBOX),
        postgresql_where=sa.text(OPEN_OUTBOX),
    )


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index("uq_outbox_open_target_golden_id", table_name="outbox")
    op.drop_index(op.f("ix_write_ledger_target_golden_id"), table_name="write_ledger")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place; a batch rebuild is not needed.
        op.execute("ALTER TABLE write_ledger DROP COLUMN operation")
        op.execute("ALTER TABLE write_ledger DROP COLUMN golden_id")
    else:
        op.drop_column("write_ledger", "operation")
        op.drop_column("write_ledger", "golden_id")
    op.drop_table("conflicts")
    op.drop_table("target_records")
