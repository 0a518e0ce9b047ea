"""The echo filter's per-batch look-ups leave no reference cycles behind.

The echo filter and the write ledger run once per batch of an ingest of a stream the hub
writes to, so, like the ingest's own look-up, they must not leave reference cycles behind
(``tests/cyclic_garbage.py`` says why).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmhub.sync.echo import EchoFilter
from crmhub.sync.ledger import entries_for
from tests.cyclic_garbage import cyclic_garbage_of


def _cyclic_garbage_after(engine: sa.Engine, calls: int) -> int:
    echo = EchoFilter("erp", "clienti", targets=[])
    with engine.connect() as conn:

        def look_up() -> None:
            for i in range(calls):
                entries_for(conn, ["erp_clienti"], golden_ids=[f"g{i}"], external_ids=[f"k{i}"])
                echo._stored(conn, [f"k{i}", f"k{i + 1}"])  # the filter's per-batch look-up

        return cyclic_garbage_of(look_up)


def test_ledger_and_stored_lookups_leave_no_cycles(store_engine: sa.Engine) -> None:
    few, many = _cyclic_garbage_after(store_engine, 2), _cyclic_garbage_after(store_engine, 12)
    assert many - few < 10, f"{few} objects in cycles after 2 calls, {many} after 12"
