"""The cluster rule on hand-made scores: every merge is checked against the whole cluster."""

from __future__ import annotations

import numpy as np
import pytest

from crmhub.match.clustering import ClusterPolicy, ConstraintConflictError, cluster_rows

IDS = np.array(["father", "son", "initial", "other"], dtype=object)
# weights of every pair (symmetric); "initial" looks like both father and son
WEIGHTS = {(0, 1): -20.0, (0, 2): 15.0, (1, 2): 14.0, (0, 3): -30.0, (1, 3): -30.0, (2, 3): -30.0}
POLICY = ClusterPolicy(merge_weight=3.0, floor_weight=-10.0)


def score(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array([WEIGHTS[(min(a, b), max(a, b))] for a, b in zip(left, right)])
    return weights, np.zeros(weights.size, dtype=bool)


def edges(*pairs: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    return left, right, np.array([WEIGHTS[p] for p in pairs])


def clusters_of(outcome) -> set[frozenset[int]]:
    return {frozenset(c) for c in outcome.clusters}


@pytest.mark.parametrize("dense_limit", [300, 2])  # scored up front, or pair by pair
def test_a_weak_cross_pair_stops_the_chain(dense_limit: int) -> None:
    policy = ClusterPolicy(3.0, -10.0, dense_limit=dense_limit)
    outcome = cluster_rows([0, 1, 2, 3], edges((0, 2), (1, 2)), IDS, policy, [], [], score)
    assert clusters_of(outcome) == {frozenset({0, 2}), frozenset({1}), frozenset({3})}
    assert [(a, b) for a, b, _ in outcome.refused] == [(1, 2)]
    assert "weak pair father-son (weight -20.0 < floor -10.0)" in outcome.refused[0][2]


def test_without_the_weak_pair_the_chain_would_merge() -> None:
    lenient = ClusterPolicy(3.0, -25.0)
    outcome = cluster_rows([0, 1, 2], edges((0, 2), (1, 2)), IDS, lenient, [], [], score)
    assert clusters_of(outcome) == {frozenset({0, 1, 2})}


def test_a_veto_anywhere_in_the_cluster_stops_the_merge() -> None:
    def vetoing(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weights, _ = score(left, right)
        return np.full(weights.size, 20.0), np.array(
            [{a, b} == {0, 1} for a, b in zip(left, right)]
        )

    outcome = cluster_rows([0, 1, 2], edges((0, 2), (1, 2)), IDS, POLICY, [], [], vetoing)
    assert frozenset({0, 1, 2}) not in clusters_of(outcome)
    assert "strong negative evidence between father and son" in outcome.refused[0][2]


def test_cannot_link_between_other_members_blocks_the_merge() -> None:
    outcome = cluster_rows([0, 1, 2], edges((0, 2)), IDS, POLICY, [], [(0, 2)], score)
    assert clusters_of(outcome) == {frozenset({0}), frozenset({1}), frozenset({2})}
    assert outcome.refused[0][2].startswith("cannot-link")


def test_must_link_joins_even_weak_pairs_and_conflicts_are_errors() -> None:
    outcome = cluster_rows([0, 1, 2, 3], edges(), IDS, POLICY, [(0, 1)], [], score)
    assert frozenset({0, 1}) in clusters_of(outcome)
    with pytest.raises(ConstraintConflictError, match="'father' and 'son'"):
        cluster_rows([0, 1, 2], edges(), IDS, POLICY, [(0, 2), (2, 1)], [(0, 1)], score)


def test_result_does_not_depend_on_edge_order() -> None:
    forward = cluster_rows([0, 1, 2], edges((0, 2), (1, 2)), IDS, POLICY, [], [], score)
    backward = cluster_rows([2, 1, 0], edges((1, 2), (0, 2)), IDS, POLICY, [], [], score)
    assert clusters_of(forward) == clusters_of(backward)


def test_connected_components_in_first_row_order_with_members_in_row_order() -> None:
    import random

    from crmhub.match.clustering import connected_components

    rng = random.Random(8)
    for _ in range(200):
        rows = rng.sample(range(60), rng.randrange(0, 40))
        edges = [(rng.randrange(70), rng.randrange(70)) for _ in range(rng.randrange(0, 50))]
        nodes = list(dict.fromkeys(rows + [x for edge in edges for x in edge]))
        neighbours: dict[int, set[int]] = {n: set() for n in nodes}
        for a, b in edges:
            neighbours[a].add(b)
            neighbours[b].add(a)
        expected, seen = [], set()
        for start in nodes:  # breadth-first from each unseen node, in node order
            if start in seen:
                continue
            reached, frontier = {start}, [start]
            while frontier:
                frontier = [m for n in frontier for m in neighbours[n] if m not in reached]
                reached.update(frontier)
            seen |= reached
            expected.append([n for n in nodes if n in reached])
        assert connected_components(rows, edges) == expected
