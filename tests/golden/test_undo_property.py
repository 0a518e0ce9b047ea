"""Property: any sequence of merges and unmerges, undone in reverse, restores the starting
golden records exactly (ids, data, lineage, xref, overrides' effect, stewards' decisions)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmhub.config.models import SurvivorshipConfig
from crmhub.golden import apply_clusters, merge, set_override, undo, unmerge
from crmhub.golden.decisions import latest_decisions
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.store.schema import golden_overrides, golden_records, steward_decisions, xref

from .conftest import golden_state, person

POLICY = SurvivorshipPolicy.from_config(
    SurvivorshipConfig.model_validate(
        {
            "source_priority": ["erp", "salesforce", "shop"],
            "fields": {"emails": {"rule": "most_frequent"}},
        }
    )
)

# Seven source records of Rossis from three systems; the last one is deleted at its source.
RECORDS = [
    (
        "erp",
        "C001",
        person("Mario", "Rossi", emails=["mario.rossi@rossiferramenta.it"]),
        "2024-03-01",
    ),
    (
        "salesforce",
        "003A",
        person(
            "Mario", "Rossi", emails=["Mario.Rossi@RossiFerramenta.it"], phones=["+39 347 555 0101"]
        ),
        "2024-06-10",
    ),
    (
        "shop",
        "7001",
        person("Mario", "Rossi", emails=["mario.rossi80@gmail.com"], phones=["347 5550101"]),
        "2024-09-01",
    ),
    ("erp", "C002", person("Maria", "Rossi", emails=["maria.rossi@libero.it"]), "2024-01-15"),
    (
        "shop",
        "7002",
        person("Maria", "Rossi Bianchi", emails=["maria.rossi@libero.it"]),
        "2024-10-01",
    ),
    ("salesforce", "003B", person("Luigi", "Rossi", phones=["02 8646 4521"]), "2023-12-01"),
    ("shop", "7003", person("Luigi", "Rossi", emails=["luigi@rossi.it"]), "2022-05-05"),
]


@pytest.fixture
def source_ids(store_engine, sources) -> list[int]:
    ids = [
        sources.add(connection, key, data, updated) for connection, key, data, updated in RECORDS
    ]
    sources.delete(ids[-1])
    return ids


def reset_golden_records(engine) -> None:
    """Back to a store with source records and nothing else (events stay: append-only)."""
    with engine.begin() as conn:
        conn.execute(sa.delete(golden_overrides))
        conn.execute(sa.delete(xref))
        conn.execute(sa.delete(steward_decisions))
        conn.execute(sa.update(golden_records).values(redirect_to=None))
        conn.execute(sa.delete(golden_records))


def live_records(engine) -> list[tuple[str, tuple[int, ...]]]:
    """(golden id, its source ids) of the records in use, in a stable order."""
    live = golden_state(engine)["live"]
    members = [(gid, tuple(sid for sid, _at, _via in g["xref"])) for gid, g in live.items()]
    return sorted(members, key=lambda m: min(m[1], default=0))


def decisions(engine, ids: list[int]) -> dict:
    with engine.connect() as conn:
        return {pair: d for pair, d in latest_decisions(conn, ids).items() if d != "unsure"}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_undoing_every_merge_and_unmerge_in_reverse_restores_the_start(
    store_engine, source_ids, data
):
    reset_golden_records(store_engine)
    labels = data.draw(
        st.lists(st.integers(0, 3), min_size=len(source_ids), max_size=len(source_ids)),
        label="clusters",
    )
    clusters = [
        {s for s, label in zip(source_ids, labels) if label == c} for c in sorted(set(labels))
    ]
    apply_clusters(store_engine, clusters, actor="matcher", policy=POLICY)
    first_gid = live_records(store_engine)[0][0]
    if data.draw(st.booleans(), label="pin a value"):
        set_override(
            store_engine, first_gid, "display_name", "Famiglia Rossi", actor="anna", policy=POLICY
        )
    start, start_decisions = golden_state(store_engine), decisions(store_engine, source_ids)

    done: list[int] = []
    for _ in range(data.draw(st.integers(1, 6), label="operations")):
        live = live_records(store_engine)
        if data.draw(st.booleans(), label="merge?"):
            if len(live) < 2:
                continue
            a, b = data.draw(
                st.lists(st.sampled_from(live), min_size=2, max_size=2, unique=True), label="pair"
            )
            done.append(merge(store_engine, a[0], b[0], actor="anna", policy=POLICY).event_id)
        else:
            splittable = [m for m in live if len(m[1]) >= 2]
            if not splittable:
                continue
            gid, members = data.draw(st.sampled_from(splittable), label="record")
            out = data.draw(
                st.lists(
                    st.sampled_from(members), min_size=1, max_size=len(members) - 1, unique=True
                ),
                label="taken out",
            )
            done.append(unmerge(store_engine, gid, out, actor="anna", policy=POLICY).event_id)

    for event_id in reversed(done):
        undo(store_engine, event_id, actor="anna", policy=POLICY)

    end = golden_state(store_engine)
    assert end["live"] == start["live"]
    assert {gid: end["redirects"][gid] for gid in start["redirects"]} == start["redirects"]
    assert set(end["redirects"].values()) <= set(end["live"]) | set(end["redirects"])
    assert decisions(store_engine, source_ids) == start_decisions
