"""The echo filter's per-batch look-ups leave no reference cycles behind.

An ingest runs the full garbage collection rarely (``crmhub.ingest.mapper.tune_gc``), so
garbage that only the collector frees piles up for the whole read. A statement built per
call leaves such cycles, each holding its values: the ingest's own look-up did, 100 MB over
a 1M-row first load. The echo filter and the write ledger run once per batch of an ingest of
a stream the hub writes to, so they build their statements once too.
"""

from __future__ import annotations

import gc

import sqlalchemy as sa

from crmhub.sync.echo import EchoFilter
from crmhub.sync.ledger import entries_for


def _cyclic_garbage_after(engine: sa.Engine, calls: int) -> int:
    echo = EchoFilter("erp", "clienti", targets=[])
    with engine.connect() as conn:
        gc.collect()
        gc.disable()
        try:
            for i in range(calls):
                entries_for(conn, ["erp_clienti"], golden_ids=[f"g{i}"], external_ids=[f"k{i}"])
                echo._stored(conn, [f"k{i}", f"k{i + 1}"])  # the filter's per-batch look-up
            return gc.collect()
        finally:
            gc.enable()


def test_ledger_and_stored_lookups_leave_no_cycles(store_engine: sa.Engine) -> None:
    few, many = _cyclic_garbage_after(store_engine, 2), _cyclic_garbage_after(store_engine, 12)
    assert many - few < 10, f"{few} objects in cycles after 2 calls, {many} after 12"
