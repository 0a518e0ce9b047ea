"""The hub store's tables, as SQLAlchemy Core (bulk speed matters, so no ORM).

This module describes the *current* shape of the store. Every change to it needs a new
Alembic revision in ``crmhub/store/migrations/versions/`` that brings a database to
the same shape; ``tests/store/test_migrations.py`` fails when the two disagree.

The allowed values of the status-like columns are data (the tuples below), used both by
the CHECK constraints here and by the code that validates arguments before writing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from crmhub.store.types import UtcDateTime, big_id_type, json_type, utc_now

RUN_KINDS: tuple[str, ...] = ("sync", "match", "merge", "publish", "run")
RUN_STATUSES: tuple[str, ...] = ("running", "succeeded", "failed", "interrupted")
RUN_FINAL_STATUSES: tuple[str, ...] = ("succeeded", "failed", "interrupted")
QUARANTINE_STAGES: tuple[str, ...] = ("read", "map", "validate", "write")
MATCH_PAIR_STATUSES: tuple[str, ...] = ("merge", "review", "apart")
STEWARD_DECISIONS: tuple[str, ...] = ("same", "different", "unsure")
OUTBOX_STATUSES: tuple[str, ...] = ("pending", "sent", "failed", "dead")
OUTBOX_OPEN_STATUSES: tuple[str, ...] = ("pending", "failed", "dead")  # not yet written (rev. 0004)
CONFLICT_RESOLUTIONS: tuple[str, ...] = ("hub", "target", "open")  # revision 0004
USER_ROLES: tuple[str, ...] = ("viewer", "steward", "admin")  # weakest first

NAME_LENGTH = 200  # connection, stream and target names
KEY_LENGTH = 512  # source keys and external ids
HASH_LENGTH = 32  # 128-bit hex digests
GOLDEN_ID_LENGTH = 32  # 26-char ULID or 32-char uuid hex
FIELD_PATH_LENGTH = 255  # canonical field paths ("person.given_name")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """A CHECK that ``column`` holds one of ``values`` (named ck_<table>_<column>)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=column)


def _id() -> sa.Column[int]:
    return sa.Column("id", big_id_type(), primary_key=True, autoincrement=True)


def _created_at() -> sa.Column[datetime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False, default=utc_now)


def _updated_at() -> sa.Column[datetime]:
    return sa.Column("updated_at", UtcDateTime(), nullable=False, default=utc_now, onupdate=utc_now)


def _source_record_fk(
    name: str, *, nullable: bool = False, primary_key: bool = False
) -> sa.Column[int]:
    return sa.Column(
        name,
        big_id_type(),
        sa.ForeignKey("source_records.id", ondelete="CASCADE"),
        nullable=nullable,
        primary_key=primary_key,
    )


def _run_fk(name: str, *, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(name, big_id_type(), sa.ForeignKey("runs.id"), nullable=nullable)


runs = sa.Table(
    "runs",
    metadata,
    _id(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("connection", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("started_at", UtcDateTime(), nullable=False, default=utc_now),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counts", json_type(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    _one_of("kind", RUN_KINDS),
    _one_of("status", RUN_STATUSES),
    sa.Index(None, "connection", "started_at"),
    sa.Index(None, "status"),
)

connection_state = sa.Table(
    "connection_state",
    metadata,
    sa.Column("connection", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("stream", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("state", json_type(), nullable=False),
    _run_fk("run_id"),
    _updated_at(),
)

source_records = sa.Table(
    "source_records",
    metadata,
    _id(),
    sa.Column("connection", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("stream", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("source_key", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("raw", json_type(), nullable=False),
    sa.Column("raw_hash", sa.String(HASH_LENGTH), nullable=False),
    # canonical/content_hash/party_kind are empty for a tombstone (deleted at the source).
    sa.Column("canonical", json_type(), nullable=True),
    sa.Column("content_hash", sa.String(HASH_LENGTH), nullable=True),
    sa.Column("party_kind", sa.String(16), nullable=True),
    sa.Column("display_name", sa.String(512), nullable=True),
    sa.Column("source_updated_at", UtcDateTime(), nullable=True),
    sa.Column("deleted", sa.Boolean(), nullable=False, default=False, server_default=sa.false()),
    _run_fk("first_run_id"),
    _run_fk("last_changed_run_id"),
    _created_at(),
    _updated_at(),
    sa.UniqueConstraint("connection", "stream", "source_key"),
    sa.Index(None, "last_changed_run_id"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    _id(),
    _run_fk("run_id", nullable=False),
    sa.Column("connection", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("stream", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("source_key", sa.String(KEY_LENGTH), nullable=True),
    sa.Column("position", sa.String(512), nullable=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("raw", json_type(), nullable=False),
    _created_at(),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    _run_fk("resolved_run_id"),
    _one_of("stage", QUARANTINE_STAGES),
    sa.Index(None, "connection", "stream", "resolved_at"),
    sa.Index(None, "run_id"),
)

golden_records = sa.Table(
    "golden_records",
    metadata,
    sa.Column("id", sa.String(GOLDEN_ID_LENGTH), primary_key=True),
    sa.Column("party_kind", sa.String(16), nullable=True),
    sa.Column("data", json_type(), nullable=False),
    sa.Column("lineage", json_type(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False, default=1, server_default="1"),
    # Set when this golden record was merged into another: readers follow the redirect.
    sa.Column(
        "redirect_to",
        sa.String(GOLDEN_ID_LENGTH),
        sa.ForeignKey("golden_records.id"),
        nullable=True,
    ),
    # Set when no live source record is left (revision 0002); the data stays as it last was.
    sa.Column("retired_at", UtcDateTime(), nullable=True),
    # What the content was computed from (revision 0006; crmhub.golden.inputs); NULL: unknown.
    sa.Column("inputs_hash", sa.String(HASH_LENGTH), nullable=True),
    _created_at(),
    _updated_at(),
    sa.Index(None, "redirect_to"),
)

# A value a data steward pinned on a golden record (revision 0002): it beats every
# survivorship rule and survives recomputes; records merged into this one lend theirs.
golden_overrides = sa.Table(
    "golden_overrides",
    metadata,
    sa.Column(
        "golden_id",
        sa.String(GOLDEN_ID_LENGTH),
        sa.ForeignKey("golden_records.id"),
        primary_key=True,
    ),
    sa.Column("field", sa.String(FIELD_PATH_LENGTH), primary_key=True),
    sa.Column("value", json_type(), nullable=True),
    sa.Column("actor", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("pinned_at", UtcDateTime(), nullable=False, default=utc_now),
)

xref = sa.Table(
    "xref",
    metadata,
    _source_record_fk("source_record_id", primary_key=True),
    sa.Column(
        "golden_id",
        sa.String(GOLDEN_ID_LENGTH),
        sa.ForeignKey("golden_records.id"),
        nullable=False,
    ),
    sa.Column("linked_at", UtcDateTime(), nullable=False, default=utc_now),
    sa.Column("via", sa.String(32), nullable=False),
    sa.Index(None, "golden_id"),
)

blocking_keys = sa.Table(
    "blocking_keys",
    metadata,
    sa.Column("family", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    _source_record_fk("source_record_id", primary_key=True),
    sa.Index(None, "source_record_id"),
)

match_models = sa.Table(
    "match_models",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    _created_at(),
    sa.Column("params", json_type(), nullable=False),
)

match_pairs = sa.Table(
    "match_pairs",
    metadata,
    _id(),
    _source_record_fk("a_id"),
    _source_record_fk("b_id"),
    sa.Column("score", sa.Float(), nullable=False),
    sa.Column("probability", sa.Float(), nullable=True),
    sa.Column("explanation", json_type(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("model_version", sa.String(64), sa.ForeignKey("match_models.version"), nullable=True),
    _created_at(),
    sa.CheckConstraint("a_id < b_id", name="ordered"),
    _one_of("status", MATCH_PAIR_STATUSES),
    sa.UniqueConstraint("a_id", "b_id"),
    sa.Index(None, "b_id"),
    sa.Index(None, "status"),
)

#: What each source record looked like when it was last matched (revision 0005): an
#: incremental run matches the live records whose content_hash differs (or that have no row)
#: and unmatches the rows whose record is gone.
match_records = sa.Table(
    "match_records",
    metadata,
    _source_record_fk("source_record_id", primary_key=True),
    sa.Column("content_hash", sa.String(HASH_LENGTH), nullable=False),
    sa.Column("matched_at", UtcDateTime(), nullable=False),
)

#: Partitioned matching (revision 0005): the plan of the current partitioned run, one row per
#: partition (the model every partition scores with; when it was scored), and the pairs the
#: partitions scored at or above the review threshold, until ``finish_partitioned`` clusters them.
match_partitions = sa.Table(
    "match_partitions",
    metadata,
    sa.Column("partition", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("partitions", sa.Integer(), nullable=False),
    sa.Column(
        "model_version", sa.String(64), sa.ForeignKey("match_models.version"), nullable=False
    ),
    sa.Column("planned_at", UtcDateTime(), nullable=False),
    sa.Column("scored_at", UtcDateTime(), nullable=True),
    sa.Column("pairs", sa.Integer(), nullable=True),
)

match_partition_pairs = sa.Table(
    "match_partition_pairs",
    metadata,
    _source_record_fk("a_id", primary_key=True),
    _source_record_fk("b_id", primary_key=True),
    sa.Column("partition", sa.Integer(), nullable=False),
    sa.Column("score", sa.Float(), nullable=False),
    sa.Column("levels", sa.String(255), nullable=False),
    sa.CheckConstraint("a_id < b_id", name="ordered"),
    sa.Index(None, "partition"),
)

steward_decisions = sa.Table(
    "steward_decisions",
    metadata,
    _id(),
    _source_record_fk("a_id"),
    _source_record_fk("b_id"),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("comment", sa.Text(), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=False, default=utc_now),
    sa.CheckConstraint("a_id < b_id", name="ordered"),
    _one_of("decision", STEWARD_DECISIONS),
    # Not unique: a pair's decisions are a history, the latest one counts.
    sa.Index(None, "a_id", "b_id"),
)

# Append-only: the initial migration installs triggers refusing UPDATE and DELETE.
events = sa.Table(
    "events",
    metadata,
    _id(),
    sa.Column("at", UtcDateTime(), nullable=False, default=utc_now),
    sa.Column("actor", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("data", json_type(), nullable=False),
    sa.Index(None, "subject_type", "subject_id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _id(),
    sa.Column("target", sa.String(NAME_LENGTH), nullable=False),
    sa.Column(
        "golden_id", sa.String(GOLDEN_ID_LENGTH), sa.ForeignKey("golden_records.id"), nullable=True
    ),
    sa.Column("external_id", sa.String(KEY_LENGTH), nullable=True),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    _created_at(),
    _updated_at(),
    _one_of("status", OUTBOX_STATUSES),
    sa.Index(None, "target", "status", "next_attempt_at"),
    sa.Index(None, "golden_id"),
    # At most one change waiting per record and target (revision 0004): a newer one replaces it.
    sa.Index(
        "uq_outbox_open_target_golden_id",
        "target",
        "golden_id",
        unique=True,
        sqlite_where=sa.text("status <> 'sent'"),
        postgresql_where=sa.text("status <> 'sent'"),
    ),
)

write_ledger = sa.Table(
    "write_ledger",
    metadata,
    _id(),
    sa.Column("target", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("external_id", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("values", json_type(), nullable=False),
    sa.Column("values_hash", sa.String(HASH_LENGTH), nullable=False),
    sa.Column("written_at", UtcDateTime(), nullable=False, default=utc_now),
    _run_fk("run_id"),
    # The hub's stable id the record was written under, and how (revision 0004).
    sa.Column("golden_id", sa.String(GOLDEN_ID_LENGTH), nullable=True),
    sa.Column("operation", sa.String(16), nullable=False, server_default="upsert"),
    sa.Index(None, "target", "external_id"),
    sa.Index(None, "target", "golden_id"),
)

# What the hub knows of each golden record in each target (revision 0004): the target's id for
# it, the values both sides held at the last sync (the base of the three-way diff), and per
# field the latest value written with its time ({"Email": ["a@b.it", "2026-11-24T10:00:00+00:00"]}).
target_records = sa.Table(
    "target_records",
    metadata,
    sa.Column("target", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column(
        "golden_id",
        sa.String(GOLDEN_ID_LENGTH),
        sa.ForeignKey("golden_records.id"),
        primary_key=True,
    ),
    sa.Column("external_id", sa.String(KEY_LENGTH), nullable=True),
    sa.Column("base_hub", json_type(), nullable=False),
    sa.Column("base_target", json_type(), nullable=False),
    sa.Column("written", json_type(), nullable=False),
    sa.Column("removed_at", UtcDateTime(), nullable=True),
    _updated_at(),
    sa.Index(None, "target", "external_id"),
)

# Fields both the hub and a target changed since the last sync, and how each was decided
# (revision 0004); ``open`` ones wait for a data steward.
conflicts = sa.Table(
    "conflicts",
    metadata,
    _id(),
    sa.Column("target", sa.String(NAME_LENGTH), nullable=False),
    sa.Column(
        "golden_id", sa.String(GOLDEN_ID_LENGTH), sa.ForeignKey("golden_records.id"), nullable=False
    ),
    sa.Column("field", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("hub_value", json_type(), nullable=True),
    sa.Column("target_value", json_type(), nullable=True),
    sa.Column("policy", sa.String(16), nullable=False),
    sa.Column("resolution", sa.String(16), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False, default=utc_now),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("resolved_by", sa.String(NAME_LENGTH), nullable=True),
    _one_of("resolution", CONFLICT_RESOLUTIONS),
    sa.Index(None, "target", "resolution"),
    sa.Index(None, "target", "golden_id", "field"),
)

# Run locks on SQLite; on PostgreSQL an advisory lock excludes and the row only tells who holds it.
locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    sa.Column("acquired_at", UtcDateTime(), nullable=False, default=utc_now),
)


# The steward workbench's people and credentials (revision 0003). A user's name is their login.
users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id, PHC string
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False, default=True, server_default=sa.true()),
    _created_at(),
    _updated_at(),
    _one_of("role", USER_ROLES),
    sa.UniqueConstraint("name"),
)

# A logged-in browser: the cookie carries the token, the table only its SHA-256 (revision 0003).
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id", big_id_type(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    _created_at(),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_id"),
    sa.Index(None, "expires_at"),
)

# Tokens for automation, shown once and kept as SHA-256; scoped to a role (revision 0003).
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column(
        "user_id", big_id_type(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("label", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    _created_at(),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    _one_of("role", USER_ROLES),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "user_id"),
)

# Failed logins, counted per user name and address to slow down guessing (revision 0003).
login_failures = sa.Table(
    "login_failures",
    metadata,
    _id(),
    sa.Column("user_name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_name", "address", "at"),
    sa.Index(None, "at"),
)
