"""Migrations build the store from nothing, take it back to nothing, and match schema.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from crmhub.store import (
    StoreOutOfDate,
    current_revision,
    downgrade,
    head_revision,
    metadata,
    require_current,
    upgrade,
)
from crmhub.store.schema import NAMING_CONVENTION


def _table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _trigger_objects(engine: Engine) -> set[str]:
    """Triggers (and on PostgreSQL trigger functions) in the store's schema."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return {row[0] for row in rows}
        rows = conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT t.tgisinternal "
            "UNION SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema()"
        )
        return {row[0] for row in rows}


def _schema_diff(engine: Engine, target: sa.MetaData) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, target)


def test_upgrade_from_empty_and_downgrade_back_to_empty(store_factory):
    engine = store_factory.new_engine(migrated=False)
    assert _table_names(engine) == set()
    assert current_revision(engine) is None

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _table_names(engine) == set(metadata.tables) | {"alembic_version"}
    assert _trigger_objects(engine)  # the events guards exist

    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert _table_names(engine) == {"alembic_version"}
    assert _trigger_objects(engine) == set()

    upgrade(engine)  # and up again: nothing was left behind to get in the way
    assert current_revision(engine) == head_revision()


def test_upgrade_and_current_revision_accept_a_url(store_url):
    assert current_revision(store_url) is None
    upgrade(store_url)
    assert current_revision(store_url) == head_revision()


def test_schema_module_and_migrations_agree(store_engine):
    assert _schema_diff(store_engine, metadata) == []


def test_schema_comparison_notices_a_drift(store_engine):
    # The control for the test above: a schema.py that drifted from the migrations is caught.
    drifted = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["runs"].append_column(sa.Column("extra", sa.Integer()))
    drifted.tables["events"].c.kind.type = sa.String(10)

    diff = _schema_diff(store_engine, drifted)

    added = [(d[2], d[3].name) for d in diff if isinstance(d, tuple) and d[0] == "add_column"]
    modified = [(m[0], m[2], m[3]) for d in diff if isinstance(d, list) for m in d]
    assert added == [("runs", "extra")]
    assert modified == [("modify_type", "events", "kind")]


def test_require_current_tells_to_run_upgrade_until_the_store_is_migrated(store_factory):
    engine = store_factory.new_engine(migrated=False)
    with pytest.raises(StoreOutOfDate, match="never migrated") as caught:
        require_current(engine)
    assert "run `crmhub db upgrade`" in str(caught.value)

    upgrade(engine)
    require_current(engine)  # raises if the store were still out of date


def test_require_current_names_a_revision_it_does_not_know(store_engine):
    with store_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreOutOfDate, match="'9999'") as caught:
        require_current(store_engine)
    assert "newer crmhub" in str(caught.value)


def test_the_head_revision_constant_is_the_newest_migration():
    """require_current compares with HEAD_REVISION so that a current store is checked without
    parsing the migration scripts; a new migration must move it."""
    from crmhub.store.migrate import HEAD_REVISION, head_revision

    assert HEAD_REVISION == head_revision()


def test_require_current_names_an_older_revision(store_engine):
    with store_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0004'")
    from crmhub.store.migrate import HEAD_REVISION

    with pytest.raises(StoreOutOfDate, match=f"'0004' but this crmhub needs '{HEAD_REVISION}'"):
        require_current(store_engine)
