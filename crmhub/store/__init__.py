"""The hub store: tables, engine, migrations, run locks, run records and status.

Typical use::

    engine = create_store_engine("sqlite:///var/crmhub.db")
    require_current(engine)               # or upgrade(engine) from `crmhub db upgrade`
    with connection_lock(engine, "shop", wait=30):
        run_id = start_run(engine, "sync", "shop")
        ...
        finish_run(engine, run_id, "succeeded", counts={"read": 10})
"""

from crmhub.store.engine import (
    create_store_engine,
    immediate_writes,
    masked_url,
    normalise_store_url,
    write_transaction,
)
from crmhub.store.errors import (
    LockBusy,
    RunStateError,
    StoreError,
    StoreOutOfDate,
    StoreUnavailable,
)
from crmhub.store.locks import LockHolder, connection_lock
from crmhub.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    require_current,
    upgrade,
)
from crmhub.store.runs import finish_run, interrupt_dead_runs, start_run
from crmhub.store.schema import metadata
from crmhub.store.status import ConnectionStatus, RunSummary, StoreStatus, store_status
from crmhub.store.types import UtcDateTime, utc_now

__all__ = [
    "ConnectionStatus",
    "LockBusy",
    "LockHolder",
    "RunStateError",
    "RunSummary",
    "StoreError",
    "StoreOutOfDate",
    "StoreStatus",
    "StoreUnavailable",
    "UtcDateTime",
    "connection_lock",
    "create_store_engine",
    "current_revision",
    "downgrade",
    "finish_run",
    "head_revision",
    "immediate_writes",
    "interrupt_dead_runs",
    "masked_url",
    "metadata",
    "normalise_store_url",
    "require_current",
    "start_run",
    "store_status",
    "upgrade",
    "utc_now",
    "write_transaction",
]
