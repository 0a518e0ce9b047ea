"""The first shape of the hub store: runs, source records, matching, golden records, sync.

Revision ID: 0001
Revises:
Create Date: 2026-11-20

Written by hand to match crmhub/store/schema.py at the time; it must never import
schema.py (which moves on with later revisions), so the types are spelled out here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 200
KEY = 512
HASH = 32
GOLDEN_ID = 32


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id_column() -> sa.Column:
    return sa.Column("id", _big_id(), primary_key=True, autoincrement=True)


def _fk(
    column: str, table: str, target: str, *, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"), ondelete=ondelete
    )


def _one_of(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def _create_runs() -> None:
    op.create_table(
        "runs",
        _id_column(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("connection", sa.String(NAME), nullable=True),
        sa.Column("started_at", _ts(), nullable=False),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", _json(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        _pk("runs", "id"),
        _one_of("runs", "kind", ("sync", "match", "merge", "publish", "run")),
        _one_of("runs", "status", ("running", "succeeded", "failed", "interrupted")),
    )
    _index("runs", "connection", "started_at")
    _index("runs", "status")


def _create_connection_state() -> None:
    op.create_table(
        "connection_state",
        sa.Column("connection", sa.String(NAME), nullable=False),
        sa.Column("stream", sa.String(NAME), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("run_id", _big_id(), nullable=True),
        sa.Column("updated_at", _ts(), nullable=False),
        _pk("connection_state", "connection", "stream"),
        _fk("run_id", "connection_state", "runs.id"),
    )


def _create_source_records() -> None:
    op.create_table(
        "source_records",
        _id_column(),
        sa.Column("connection", sa.String(NAME), nullable=False),
        sa.Column("stream", sa.String(NAME), nullable=False),
        sa.Column("source_key", sa.String(KEY), nullable=False),
        sa.Column("raw", _json(), nullable=False),
        sa.Column("raw_hash", sa.String(HASH), nullable=False),
        sa.Column("canonical", _json(), nullable=True),
        sa.Column("content_hash", sa.String(HASH), nullable=True),
        sa.Column("party_kind", sa.String(16), nullable=True),
        sa.Column("display_name", sa.String(512), nullable=True),
        sa.Column("source_updated_at", _ts(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("first_run_id", _big_id(), nullable=True),
        sa.Column("last_changed_run_id", _big_id(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        _pk("source_records", "id"),
        _fk("first_run_id", "source_records", "runs.id"),
        _fk("last_changed_run_id", "source_records", "runs.id"),
        sa.UniqueConstraint(
            "connection",
            "stream",
            "source_key",
            name=op.f("uq_source_records_connection_stream_source_key"),
        ),
    )
    _index("source_records", "last_changed_run_id")


def _create_quarantine() -> None:
    op.create_table(
        "quarantine",
        _id_column(),
        sa.Column("run_id", _big_id(), nullable=False),
        sa.Column("connection", sa.String(NAME), nullable=False),
        sa.Column("stream", sa.String(NAME), nullable=False),
        sa.Column("source_key", sa.String(KEY), nullable=True),
        sa.Column("position", sa.String(512), nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", _json(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("resolved_at", _ts(), nullable=True),
        sa.Column("resolved_run_id", _big_id(), nullable=True),
        _pk("quarantine", "id"),
        _fk("run_id", "quarantine", "runs.id"),
        _fk("resolved_run_id", "quarantine", "runs.id"),
        _one_of("quarantine", "stage", ("read", "map", "validate", "write")),
    )
    _index("quarantine", "connection", "stream", "resolved_at")
    _index("quarantine", "run_id")


def _create_golden_records_and_xref() -> None:
    op.create_table(
        "golden_records",
        sa.Column("id", sa.String(GOLDEN_ID), nullable=False),
        sa.Column("party_kind", sa.String(16), nullable=True),
        sa.Column("data", _json(), nullable=False),
        sa.Column("lineage", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("redirect_to", sa.String(GOLDEN_ID), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        _pk("golden_records", "id"),
        _fk("redirect_to", "golden_records", "golden_records.id"),
    )
    _index("golden_records", "redirect_to")
    op.create_table(
        "xref",
        sa.Column("source_record_id", _big_id(), nullable=False),
        sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=False),
        sa.Column("linked_at", _ts(), nullable=False),
        sa.Column("via", sa.String(32), nullable=False),
        _pk("xref", "source_record_id"),
        _fk("source_record_id", "xref", "source_records.id", ondelete="CASCADE"),
        _fk("golden_id", "xref", "golden_records.id"),
    )
    _index("xref", "golden_id")


def _create_matching() -> None:
    op.create_table(
        "blocking_keys",
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("source_record_id", _big_id(), nullable=False),
        _pk("blocking_keys", "family", "key", "source_record_id"),
        _fk("source_record_id", "blocking_keys", "source_records.id", ondelete="CASCADE"),
    )
    _index("blocking_keys", "source_record_id")
    op.create_table(
        "match_models",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("params", _json(), nullable=False),
        _pk("match_models", "version"),
    )
    op.create_table(
        "match_pairs",
        _id_column(),
        sa.Column("a_id", _big_id(), nullable=False),
        sa.Column("b_id", _big_id(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("explanation", _json(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        _pk("match_pairs", "id"),
        _fk("a_id", "match_pairs", "source_records.id", ondelete="CASCADE"),
        _fk("b_id", "match_pairs", "source_records.id", ondelete="CASCADE"),
        _fk("model_version", "match_pairs", "match_models.version"),
        sa.CheckConstraint("a_id < b_id", name=op.f("ck_match_pairs_ordered")),
        _one_of("match_pairs", "status", ("merge", "review", "apart")),
        sa.UniqueConstraint("a_id", "b_id", name=op.f("uq_match_pairs_a_id_b_id")),
    )
    _index("match_pairs", "b_id")
    _index("match_pairs", "status")
    op.create_table(
        "steward_decisions",
        _id_column(),
        sa.Column("a_id", _big_id(), nullable=False),
        sa.Column("b_id", _big_id(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(NAME), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", _ts(), nullable=False),
        _pk("steward_decisions", "id"),
        _fk("a_id", "steward_decisions", "source_records.id", ondelete="CASCADE"),
        _fk("b_id", "steward_decisions", "source_records.id", ondelete="CASCADE"),
        sa.CheckConstraint("a_id < b_id", name=op.f("ck_steward_decisions_ordered")),
        _one_of("steward_decisions", "decision", ("same", "different", "unsure")),
    )
    _index("steward_decisions", "a_id", "b_id")


# The audit log is append-only: the database itself refuses UPDATE, DELETE (and TRUNCATE).
_PG_REFUSE_FUNCTION = """
CREATE FUNCTION crmhub_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'record a new event instead of changing or deleting one';
END
$$
"""
_PG_TRIGGERS = (
    (
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION crmhub_refuse_event_change()"
    ),
    (
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION crmhub_refuse_event_change()"
    ),
)
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER events_no_{op_name.lower()} BEFORE {op_name} ON events "
    f"BEGIN SELECT RAISE(ABORT, 'events is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
)


def _create_events() -> None:
    op.create_table(
        "events",
        _id_column(),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("actor", sa.String(NAME), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(KEY), nullable=False),
        sa.Column("data", _json(), nullable=False),
        _pk("events", "id"),
    )
    _index("events", "subject_type", "subject_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFUSE_FUNCTION)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _create_sync() -> None:
    op.create_table(
        "outbox",
        _id_column(),
        sa.Column("target", sa.String(NAME), nullable=False),
        sa.Column("golden_id", sa.String(GOLDEN_ID), nullable=True),
        sa.Column("external_id", sa.String(KEY), nullable=True),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _ts(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        _pk("outbox", "id"),
        _fk("golden_id", "outbox", "golden_records.id"),
        _one_of("outbox", "status", ("pending", "sent", "failed", "dead")),
    )
    _index("outbox", "target", "status", "next_attempt_at")
    _index("outbox", "golden_id")
    op.create_table(
        "write_ledger",
        _id_column(),
        sa.Column("target", sa.String(NAME), nullable=False),
        sa.Column("external_id", sa.String(KEY), nullable=False),
        sa.Column("values", _json(), nullable=False),
        sa.Column("values_hash", sa.String(HASH), nullable=False),
        sa.Column("written_at", _ts(), nullable=False),
        sa.Column("run_id", _big_id(), nullable=True),
        _pk("write_ledger", "id"),
        _fk("run_id", "write_ledger", "runs.id"),
    )
    _index("write_ledger", "target", "external_id")


def _create_locks() -> None:
    op.create_table(
        "locks",
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", _ts(), nullable=False),
        _pk("locks", "name"),
    )


def upgrade() -> None:
    """Create every table of the first store shape, with the events triggers."""
    _create_runs()
    _create_connection_state()
    _create_source_records()
    _create_quarantine()
    _create_golden_records_and_xref()
    _create_matching()
    _create_events()
    _create_sync()
    _create_locks()


def downgrade() -> None:
    """Drop everything upgrade() created, dependants first."""
    for table in (
        "locks",
        "write_ledger",
        "outbox",
        "events",
        "steward_decisions",
        "match_pairs",
        "match_models",
        "blocking_keys",
        "xref",
        "golden_records",
        "quarantine",
        "source_records",
        "connection_state",
        "runs",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION crmhub_refuse_event_change()")
