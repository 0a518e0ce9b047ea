"""Run records: started, finished once, and marked interrupted when their process died."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from crmhub.store import RunStateError, finish_run, interrupt_dead_runs, start_run
from crmhub.store.processes import this_host
from crmhub.store.schema import runs
from crmhub.store.types import utc_now

# Starts a run and dies without finishing it, like a crashed `crmhub sync`.
CRASHING_RUN = """
import os, sys
from crmhub.store import create_store_engine, start_run
print(start_run(create_store_engine(sys.argv[1]), "sync", "shop"), flush=True)
os._exit(1)
"""


def _run_row(engine, run_id: int) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.select(runs).where(runs.c.id == run_id)).one()


def test_start_run_records_a_running_run_of_this_process(store_engine):
    before = utc_now()
    run_id = start_run(store_engine, "sync", "shop")
    row = _run_row(store_engine, run_id)
    assert (row.kind, row.connection, row.status) == ("sync", "shop", "running")
    assert (row.host, row.pid) == (this_host(), os.getpid())
    assert before <= row.started_at <= utc_now()
    assert row.finished_at is None


def test_finish_run_records_status_counts_and_error(store_engine):
    ok = start_run(store_engine, "match")
    failed = start_run(store_engine, "publish", "crm")
    finish_run(store_engine, ok, "succeeded", counts={"pairs": 12, "review": 3})
    finish_run(store_engine, failed, "failed", error="HubSpot answered 401")

    ok_row, failed_row = _run_row(store_engine, ok), _run_row(store_engine, failed)
    assert (ok_row.status, ok_row.counts, ok_row.error) == (
        "succeeded",
        {"pairs": 12, "review": 3},
        None,
    )
    assert (failed_row.status, failed_row.error) == ("failed", "HubSpot answered 401")
    assert ok_row.finished_at >= ok_row.started_at


def test_a_run_finishes_only_once(store_engine):
    run_id = start_run(store_engine, "merge")
    finish_run(store_engine, run_id, "succeeded")
    with pytest.raises(RunStateError, match=f"run {run_id} is already succeeded"):
        finish_run(store_engine, run_id, "failed")
    assert _run_row(store_engine, run_id).status == "succeeded"


def test_finishing_an_unknown_run_names_it(store_engine):
    with pytest.raises(RunStateError, match="run 4242 does not exist"):
        finish_run(store_engine, 4242, "succeeded")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda engine: start_run(engine, "nap"), "unknown run kind 'nap'; expected one of sync"),
        (lambda engine: finish_run(engine, 1, "running"), "cannot finish as 'running'"),
    ],
    ids=["kind", "final-status"],
)
def test_bad_kind_or_status_is_refused_before_writing(store_engine, call, message):
    with pytest.raises(ValueError, match=message):
        call(store_engine)
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one() == 0


def test_run_of_a_crashed_process_is_marked_interrupted_by_the_next_start(store_url, store_engine):
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, store_url],
        check=False,  # it exits with 1 on purpose
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 1, crashed.stderr
    crashed_id = int(crashed.stdout.strip())
    assert _run_row(store_engine, crashed_id).status == "running"
    alive_id = start_run(store_engine, "sync", "erp")  # this process: alive
    with store_engine.begin() as conn:
        elsewhere_id = conn.execute(
            sa.insert(runs)
            .values(kind="sync", status="running", host="batch-7", pid=1, started_at=utc_now())
            .returning(runs.c.id)
        ).scalar_one()

    start_run(store_engine, "match")

    crashed_row = _run_row(store_engine, crashed_id)
    assert crashed_row.status == "interrupted"
    assert crashed_row.finished_at is not None
    assert f"process {crashed_row.pid} on {this_host()}" in crashed_row.error
    assert _run_row(store_engine, alive_id).status == "running"
    assert _run_row(store_engine, elsewhere_id).status == "running"  # cannot check another host


def test_interrupt_dead_runs_returns_the_runs_it_marked(store_engine):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with store_engine.begin() as conn:
        dead_run = conn.execute(
            sa.insert(runs)
            .values(kind="sync", status="running", host=this_host(), pid=dead.pid)
            .returning(runs.c.id)
        ).scalar_one()
    assert interrupt_dead_runs(store_engine) == [dead_run]
    assert interrupt_dead_runs(store_engine) == []
