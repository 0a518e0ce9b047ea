"""Golden records: the hash of the inputs their content was computed from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

``golden_records.inputs_hash`` fingerprints everything survivorship read to compute a golden
record (its source records' identities, content hashes, deletions and update times, the
overrides in force, the policy and the survivorship code's revision; see
``crmhub.golden.inputs``). A refresh whose inputs hash equals the stored one skips the record:
the result would be the same. NULL (every record after this upgrade) means "compute it".
Written by hand; it must never import schema.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = 32


def upgrade() -> None:
    """Add golden_records.inputs_hash (NULL: not known yet)."""
    op.add_column("golden_records", sa.Column("inputs_hash", sa.String(HASH), nullable=True))


def downgrade() -> None:
    """Drop what upgrade() added."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a plain column in place; a batch rebuild would have to drop
        # golden_records, which other tables reference.
        op.execute("ALTER TABLE golden_records DROP COLUMN inputs_hash")
    else:
        op.drop_column("golden_records", "inputs_hash")
