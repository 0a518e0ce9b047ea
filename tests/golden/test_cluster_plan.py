"""Which golden id each group of source records keeps when clusters change (pure planning)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from crmhub.golden.cluster_plan import BatchPlan, GoldenState, plan_batch

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def goldens(*specs: tuple[str, set[int]]) -> dict[str, GoldenState]:
    """Golden records created one day apart, in the order given."""
    return {
        gid: GoldenState(gid, T0 + timedelta(days=i), frozenset(members))
        for i, (gid, members) in enumerate(specs)
    }


def links(states: dict[str, GoldenState]) -> dict[int, str]:
    return {s: gid for gid, state in states.items() for s in state.members}


def new_ids() -> itertools.count:
    return itertools.count(1)


def plan(
    clusters: list[set[int]], states: dict[str, GoldenState], dead: frozenset[int] = frozenset()
) -> BatchPlan:
    counter = new_ids()
    return plan_batch(
        [frozenset(c) for c in clusters], states, links(states), dead, lambda: f"NEW{next(counter)}"
    )


def test_unlinked_clusters_get_new_ids():
    result = plan([{1, 2}, {3}], {})
    assert result.owner == {1: "NEW1", 2: "NEW1", 3: "NEW2"}
    assert result.new_ids == ["NEW1", "NEW2"] and result.redirects == {}


def test_the_same_clusters_again_change_nothing():
    states = goldens(("A", {1, 2}), ("B", {3}))
    result = plan([{1, 2}, {3}], states)
    assert result.owner == links(states)
    assert result.new_ids == [] and result.redirects == {}


def test_a_merge_keeps_the_id_of_the_record_with_more_sources():
    states = goldens(("OLD", {1}), ("BIG", {2, 3}))
    result = plan([{1, 2, 3}], states)
    assert set(result.owner.values()) == {"BIG"}
    assert result.redirects == {"OLD": "BIG"}


def test_a_merge_of_equal_records_keeps_the_older_id():
    states = goldens(("FIRST", {1}), ("SECOND", {2}))
    result = plan([{1, 2}], states)
    assert result.redirects == {"SECOND": "FIRST"}


def test_a_split_leaves_the_id_with_the_part_keeping_more_sources():
    states = goldens(("G", {1, 2, 3}))
    leaving_one = plan([{3}], states)
    assert leaving_one.owner == {1: "G", 2: "G", 3: "NEW1"}
    leaving_two = plan([{2, 3}], states)
    assert leaving_two.owner == {1: "NEW1", 2: "G", 3: "G"}


def test_a_split_in_two_halves_leaves_the_id_with_the_part_not_named():
    states = goldens(("G", {1, 2, 3, 4}))
    result = plan([{3, 4}], states)
    assert result.owner == {1: "G", 2: "G", 3: "NEW1", 4: "NEW1"}


def test_two_clusters_splitting_one_record_the_first_by_smallest_id_keeps_it_on_a_tie():
    states = goldens(("G", {1, 2, 3, 4}))
    result = plan([{3, 4}, {1, 2}], states)
    assert result.owner == {1: "G", 2: "G", 3: "NEW1", 4: "NEW1"}


def test_new_records_join_the_cluster_record_they_are_clustered_with():
    states = goldens(("G", {1}))
    result = plan([{1, 7, 8}], states)
    assert result.owner == {1: "G", 7: "G", 8: "G"} and result.new_ids == []


def test_unnamed_tombstones_follow_their_records_id():
    states = goldens(("A", {1, 9}), ("B", {2, 3}))  # 9 was deleted at its source
    result = plan([{1, 2, 3}], states, dead=frozenset({9}))
    assert result.redirects == {"A": "B"}
    assert result.owner[9] == "B"  # A redirects to B: its tombstone goes along
    kept = plan([{1}], goldens(("A", {1, 9})), dead=frozenset({9}))
    assert kept.owner == {1: "A", 9: "A"} and kept.new_ids == []
