"""Schema migrations for the store, run in code (users need no alembic.ini).

``upgrade(url)`` brings any store to the newest shape; ``require_current(engine)`` is the
guard the engine calls before using a store, so an out-of-date database fails with a
clear "run `crmhub db upgrade`" instead of a missing-column error mid-run.

To write the next revision, edit ``schema.py`` and then, against a database at head::

    from alembic import command
    command.revision(alembic_config(url), message="...", autogenerate=True)

and review the generated file in ``crmhub/store/migrations/versions/``, then set
:data:`HEAD_REVISION` to its revision (a test checks the two agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from crmhub.store.engine import create_store_engine, masked_url, normalise_store_url
from crmhub.store.errors import StoreOutOfDate

if TYPE_CHECKING:  # alembic is imported only when a migration or a mismatch needs it
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
#: The newest revision in ``migrations/versions`` (checked by a test). Every command checks a
#: store against it; knowing it without parsing the migration scripts keeps that check cheap.
HEAD_REVISION = "0006"
#: Alembic's own bookkeeping table (its default name, which the migrations keep).
VERSION_TABLE = "alembic_version"
UPGRADE_HINT = "run `crmhub db upgrade`"

EngineOrUrl = Engine | str | URL


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic config for the store's migrations, optionally bound to ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalise_store_url(url).render_as_string(hide_password=False)
        # ConfigParser interpolation would choke on a '%' in a password.
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


@cache
def _script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this crmhub knows (what ``upgrade()`` brings a store to)."""
    head = _script_directory().get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}: the crmhub install is broken")
    return head


def current_revision(engine_or_url: EngineOrUrl) -> str | None:
    """The revision the store is at, or None if it was never migrated."""
    with _engine_for(engine_or_url) as engine, engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        heads = list(versions)
    if len(heads) > 1:  # branched histories are not something crmhub writes
        raise StoreOutOfDate(f"the store has several schema heads {heads}", hint=UPGRADE_HINT)
    return heads[0] if heads else None


def upgrade(engine_or_url: EngineOrUrl, revision: str = "head") -> None:
    """Migrate the store up to ``revision`` (default: the newest), in one transaction."""
    from alembic import command

    _run(engine_or_url, lambda config: command.upgrade(config, revision))


def downgrade(engine_or_url: EngineOrUrl, revision: str) -> None:
    """Migrate the store down to ``revision`` (``"base"`` removes every table)."""
    from alembic import command

    _run(engine_or_url, lambda config: command.downgrade(config, revision))


def require_current(engine: Engine) -> None:
    """Raise :class:`StoreOutOfDate` unless the store is at :func:`head_revision`."""
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return
    head = head_revision()
    if current == head:
        return
    where = masked_url(engine.url)
    if current is None:
        raise StoreOutOfDate(
            f"the store at {where} has no schema revision (it was never migrated)",
            hint=UPGRADE_HINT,
        )
    if not _is_known(current):
        raise StoreOutOfDate(
            f"the store at {where} is at revision {current!r}, which this crmhub does not know "
            "(was it migrated by a newer crmhub?)",
            hint="use the crmhub version that migrated this store, or point crmhub at another store",
        )
    raise StoreOutOfDate(
        f"the store at {where} is at revision {current!r} but this crmhub needs {head!r}",
        hint=UPGRADE_HINT,
    )


def _is_known(revision: str) -> bool:
    """True if ``revision`` is the full id of one of this crmhub's migrations."""
    return revision in _known_revisions()


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _script_directory().walk_revisions())


@contextmanager
def _engine_for(engine_or_url: EngineOrUrl) -> Iterator[Engine]:
    """Use the caller's engine as is, or make one for a URL and dispose of it afterwards."""
    if isinstance(engine_or_url, Engine):
        yield engine_or_url
        return
    engine = create_store_engine(engine_or_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _run(engine_or_url: EngineOrUrl, step: Callable[[Config], None]) -> None:
    with _engine_for(engine_or_url) as engine, engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        step(config)
