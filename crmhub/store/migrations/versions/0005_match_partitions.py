"""Matching: partitioned runs (plan and staged pairs) and the matched state of each record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

``match_partitions`` holds the plan of a partitioned match run (one row per partition: the
model all partitions score with, when each was scored); ``match_partition_pairs`` the pairs
the partitions scored at or above the review threshold until the run is finished;
``match_records`` the content hash of each source record as it was last matched, so that an
incremental run finds what is new, changed or gone. Written by hand; it must never import
schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = 32


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _source_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["source_records.id"],
        name=op.f(f"fk_{table}_{column}_source_records"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Add match_records, match_partitions and match_partition_pairs."""
    op.create_table(
        "match_records",
        sa.Column("source_record_id", _big_id(), nullable=False),
        sa.Column("content_hash", sa.String(HASH), nullable=False),
        sa.Column("matched_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("source_record_id", name=op.f("pk_match_records")),
        _source_fk("match_records", "source_record_id"),
    )
    op.create_table(
        "match_partitions",
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("planned_at", _ts(), nullable=False),
        sa.Column("scored_at", _ts(), nullable=True),
        sa.Column("pairs", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("partition", name=op.f("pk_match_partitions")),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["match_models.version"],
            name=op.f("fk_match_partitions_model_version_match_models"),
        ),
    )
    op.create_table(
        "match_partition_pairs",
        sa.Column("a_id", _big_id(), nullable=False),
        sa.Column("b_id", _big_id(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("levels", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("a_id", "b_id", name=op.f("pk_match_partition_pairs")),
        _source_fk("match_partition_pairs", "a_id"),
        _source_fk("match_partition_pairs", "b_id"),
        sa.CheckConstraint("a_id < b_id", name=op.f("ck_match_partition_pairs_ordered")),
    )
    op.create_index(
        op.f("ix_match_partition_pairs_partition"), "match_partition_pairs", ["partition"]
    )


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index(op.f("ix_match_partition_pairs_partition"), table_name="match_partition_pairs")
    op.drop_table("match_partition_pairs")
    op.drop_table("match_partitions")
    op.drop_table("match_records")
