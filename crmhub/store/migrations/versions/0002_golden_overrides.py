"""Golden records: retirement time and steward overrides.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

``golden_records.retired_at`` is set when a golden record has no live source record left
(it is retired, never deleted). ``golden_overrides`` holds the values data stewards pinned
on golden records. Written by hand; it must never import schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 200
GOLDEN_ID = 32
FIELD_PATH = 255


def upgrade() -> None:
    """Add golden_records.retired_at and the golden_overrides table."""
    op.add_column("golden_records", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "golden_overrides",
        sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=False),
        sa.Column("field", sa.String(FIELD_PATH), nullable=False),
        sa.Column("value", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.Column("actor", sa.String(NAME), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("golden_id", "field", name=op.f("pk_golden_overrides")),
        sa.ForeignKeyConstraint(
            ["golden_id"],
            ["golden_records.id"],
            name=op.f("fk_golden_overrides_golden_id_golden_records"),
        ),
    )


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_table("golden_overrides")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place; a batch rebuild would have to drop
        # golden_records, which other tables reference.
        op.execute("ALTER TABLE golden_records DROP COLUMN retired_at")
    else:
        op.drop_column("golden_records", "retired_at")
