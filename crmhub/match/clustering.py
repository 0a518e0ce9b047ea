"""Clustering scored pairs into entities, checking every merge against the whole cluster.

The rule (documented in docs of :class:`ClusterPolicy`):

1. Steward *must-link* pairs are joined first, unconditionally. A must-link chain that puts a
   steward *cannot-link* pair in one cluster is an error (:class:`ConstraintConflictError`).
2. The remaining merge edges (pairs whose weight reaches the merge threshold and that carry no
   veto) are taken strongest first (ties broken by record ids, so the result never depends on
   row order). Joining cluster A and cluster B through an edge is allowed only if
   a. no cannot-link pair crosses A x B;
   b. no pair across A x B has a veto level (strong negative evidence, e.g. different birth
      dates or different codice fiscale);
   c. every pair across A x B has a match weight of at least the floor.
   Otherwise the edge is refused and reported for review with the reason.

So a father and a son who share an address and a phone are never chained through a third
record that looks like both: the father-son pair itself fails (b) or (c).

Only connected components of the merge graph can be affected by each other, so they are
clustered independently — which is also what makes incremental runs agree with full runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

#: Scores arbitrary pairs of rows: returns (weights, veto flags).
PairScorer = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class ConstraintConflictError(ValueError):
    """Steward decisions contradict each other (a cannot-link inside a must-link group)."""


@dataclass(frozen=True)
class StewardDecisions:
    """Hard constraints from data stewards, as pairs of record ids (order irrelevant)."""

    must_link: frozenset[tuple[str, str]] = frozenset()
    cannot_link: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_pairs(
        cls, same: Iterable[tuple[str, str]] = (), different: Iterable[tuple[str, str]] = ()
    ) -> StewardDecisions:
        """Build from (id, id) pairs; a pair both same and different is an error."""
        must = frozenset(_ordered(p) for p in same)
        cannot = frozenset(_ordered(p) for p in different)
        both = must & cannot
        if both:
            raise ConstraintConflictError(
                f"pairs decided both same and different: {sorted(both)[:5]}; keep the latest "
                "decision only"
            )
        return cls(must, cannot)

    def label(self, a: str, b: str) -> bool | None:
        """True (same), False (different) or None (undecided) for a pair of ids."""
        pair = _ordered((a, b))
        if pair in self.must_link:
            return True
        if pair in self.cannot_link:
            return False
        return None

    def ids(self) -> set[str]:
        """Every record id named in a decision."""
        return {i for pair in self.must_link | self.cannot_link for i in pair}


def _ordered(pair: tuple[str, str]) -> tuple[str, str]:
    a, b = pair
    if a == b:
        raise ValueError(f"a steward decision pairs record {a!r} with itself")
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class ClusterPolicy:
    """Thresholds (as match weights) and vetoes for clustering.

    ``vetoes`` maps a comparison index to the levels that are strong negative evidence.
    Components larger than ``dense_limit`` are checked pair by pair on demand instead of
    scoring all their pairs up front.
    """

    merge_weight: float
    floor_weight: float
    vetoes: Mapping[int, frozenset[int]] = field(default_factory=dict)
    dense_limit: int = 300

    def veto_mask(self, gamma: np.ndarray) -> np.ndarray:
        """True for pairs with any veto level."""
        mask = np.zeros(gamma.shape[0], dtype=bool)
        for k, levels in self.vetoes.items():
            mask |= np.isin(gamma[:, k], list(levels))
        return mask


@dataclass
class ClusterOutcome:
    """Clusters (lists of rows, singletons included for the rows given) and refused edges."""

    clusters: list[list[int]]
    refused: list[tuple[int, int, str]]


def connected_components(rows: Iterable[int], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components over ``rows`` (every row appears, isolated ones alone), and over
    rows only named by an edge. Components come in the order of their first row, members in
    row order (``rows`` first, then edge ends as they appear)."""
    edge_list = list(edges)
    nodes = list(dict.fromkeys(chain(rows, chain.from_iterable(edge_list))))
    if not nodes:
        return []
    index = dict(zip(nodes, range(len(nodes))))
    ends = np.fromiter(map(index.__getitem__, chain.from_iterable(edge_list)), np.int64)
    label = _min_labels(len(nodes), ends[0::2], ends[1::2])
    order = np.argsort(label, kind="stable")
    starts = np.flatnonzero(np.r_[True, label[order][1:] != label[order][:-1]]).tolist()
    ordered = [nodes[i] for i in order.tolist()]
    return [ordered[a:b] for a, b in zip(starts, starts[1:] + [len(nodes)])]


def _min_labels(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per node, the smallest node index of its component: the smaller label is pushed along
    every edge and labels jump to their label's label, until nothing changes."""
    label = np.arange(n, dtype=np.int64)
    while True:
        smaller = np.minimum(label[left], label[right])
        new = label.copy()
        np.minimum.at(new, left, smaller)
        np.minimum.at(new, right, smaller)
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def cluster_rows(
    rows: Sequence[int],
    merge_edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    ids: np.ndarray,
    policy: ClusterPolicy,
    must_link: Sequence[tuple[int, int]],
    cannot_link: Sequence[tuple[int, int]],
    score_pairs: PairScorer,
) -> ClusterOutcome:
    """Cluster ``rows`` given merge edges (left, right, weight; already free of vetoes) and
    steward constraints as row pairs. Every row in ``rows`` ends in exactly one cluster."""
    left, right, weight = merge_edges
    graph_edges = list(zip(left.tolist(), right.tolist())) + list(must_link)
    components = connected_components(rows, graph_edges)
    comp_of = {r: c for c, members in enumerate(components) for r in members}
    edges_of = _edges_by_component(comp_of, left, right, weight)
    must_of = _pairs_by_component(comp_of, must_link)
    cannot_of = _pairs_by_component(comp_of, cannot_link)
    dense_components, dense = _dense_scores(components, policy, score_pairs)
    outcome = ClusterOutcome([], [])
    for c, members in enumerate(components):
        if len(members) <= 2 and c not in must_of and c not in cannot_of:
            # one row, or two joined by one veto-free edge above the threshold: nothing to check
            outcome.clusters.append(members)
            continue
        scores = dense if c in dense_components else None
        merger = _ComponentMerger(members, ids, policy, scores, score_pairs)
        merger.apply_must_links(must_of.get(c, []), cannot_of.get(c, []))
        for a, b, _ in sorted(edges_of.get(c, []), key=lambda e: (-e[2], ids[e[0]], ids[e[1]])):
            reason = merger.try_merge(a, b, cannot_of.get(c, []))
            if reason:
                outcome.refused.append((a, b, reason))
        outcome.clusters.extend(merger.clusters())
    return outcome


def _edges_by_component(
    comp_of: dict[int, int], left: np.ndarray, right: np.ndarray, weight: np.ndarray
) -> dict[int, list[tuple[int, int, float]]]:
    out: dict[int, list[tuple[int, int, float]]] = {}
    for a, b, w in zip(left.tolist(), right.tolist(), weight.tolist()):
        out.setdefault(comp_of[a], []).append((a, b, w))
    return out


def _pairs_by_component(
    comp_of: dict[int, int], pairs: Sequence[tuple[int, int]]
) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for a, b in pairs:
        ca, cb = comp_of.get(a), comp_of.get(b)
        if ca is not None and ca == cb:
            out.setdefault(ca, []).append((a, b))
    return out


@dataclass
class _DenseScores:
    """Weight and veto of every pair inside the dense components, keyed by (row, row) with the
    smaller row first. Plain dicts and floats: the look-ups are many and tiny."""

    scores: dict[tuple[int, int], tuple[float, bool]]


def _dense_scores(
    components: list[list[int]], policy: ClusterPolicy, score_pairs: PairScorer
) -> tuple[set[int], _DenseScores]:
    """Score every pair inside each component of 3..dense_limit rows, in one batch. Returns
    the chosen components and the scores."""
    by_size: dict[int, list[list[int]]] = {}
    chosen = set()
    for c, members in enumerate(components):
        if 3 <= len(members) <= policy.dense_limit:
            chosen.add(c)
            by_size.setdefault(len(members), []).append(members)
    if not chosen:
        return chosen, _DenseScores({})
    lefts, rights = [], []
    for size, groups in by_size.items():
        # components of one size share their upper-triangle index pairs
        members = np.sort(np.asarray(groups, dtype=np.int64), axis=1)
        i, j = np.triu_indices(size, k=1)
        lefts.append(members[:, i].ravel())
        rights.append(members[:, j].ravel())
    left, right = np.concatenate(lefts), np.concatenate(rights)
    weights, vetoes = score_pairs(left, right)
    pairs = zip(left.tolist(), right.tolist())
    return chosen, _DenseScores(dict(zip(pairs, zip(weights.tolist(), vetoes.tolist()))))


class _ComponentMerger:
    """Greedy, constraint-checked agglomeration inside one component."""

    def __init__(
        self,
        members: list[int],
        ids: np.ndarray,
        policy: ClusterPolicy,
        dense: _DenseScores | None,
        score_pairs: PairScorer,
    ) -> None:
        self._cluster_of = {r: r for r in members}
        self._members = {r: [r] for r in members}
        self._ids = ids
        self._policy = policy
        self._dense = dense
        self._score_pairs = score_pairs

    def _union(self, ca: int, cb: int) -> None:
        keep, gone = (ca, cb) if len(self._members[ca]) >= len(self._members[cb]) else (cb, ca)
        for r in self._members[gone]:
            self._cluster_of[r] = keep
        self._members[keep].extend(self._members.pop(gone))

    def apply_must_links(
        self, must: Sequence[tuple[int, int]], cannot: Sequence[tuple[int, int]]
    ) -> None:
        for a, b in must:
            ca, cb = self._cluster_of[a], self._cluster_of[b]
            if ca != cb:
                self._union(ca, cb)
        for a, b in cannot:
            if self._cluster_of[a] == self._cluster_of[b]:
                raise ConstraintConflictError(
                    f"records {self._ids[a]!r} and {self._ids[b]!r} are cannot-link but "
                    "must-link decisions join them; revise one of those decisions"
                )

    def try_merge(self, a: int, b: int, cannot: Sequence[tuple[int, int]]) -> str:
        """Merge the clusters of a and b if the rule allows; return the refusal reason or ''."""
        ca, cb = self._cluster_of[a], self._cluster_of[b]
        if ca == cb:
            return ""
        for x, y in cannot:
            cx, cy = self._cluster_of[x], self._cluster_of[y]
            if {cx, cy} == {ca, cb}:
                return f"cannot-link between {self._ids[x]} and {self._ids[y]}"
        reason = self._cross_check(self._members[ca], self._members[cb])
        if not reason:
            self._union(ca, cb)
        return reason

    def _cross_check(self, first: list[int], second: list[int]) -> str:
        """'' if every pair across the two clusters is veto-free and above the floor, else
        the reason naming the first offending pair (vetoes reported before weak pairs)."""
        if self._dense is not None:
            return self._dense_cross_check(first, second)
        if len(first) * len(second) == 1:
            return ""  # the edge itself: already above the threshold and veto-free
        lefts = np.repeat(np.asarray(first, dtype=np.int64), len(second))
        rights = np.tile(np.asarray(second, dtype=np.int64), len(first))
        weights, vetoes = self._score_pairs(lefts, rights)
        vetoed = np.flatnonzero(vetoes)
        low = np.flatnonzero(weights < self._policy.floor_weight)
        veto_pair = (int(lefts[vetoed[0]]), int(rights[vetoed[0]])) if vetoed.size else None
        low_pair = (
            (int(lefts[low[0]]), int(rights[low[0]]), float(weights[low[0]])) if low.size else None
        )
        return self._reason(veto_pair, low_pair)

    def _dense_cross_check(self, first: list[int], second: list[int]) -> str:
        """:meth:`_cross_check` from the scores computed up front, pair by pair in the same
        order (each row of ``first`` against every row of ``second``)."""
        scores, floor = self._dense.scores, self._policy.floor_weight  # type: ignore[union-attr]
        low_pair = None
        for a in first:
            for b in second:
                weight, veto = scores[(a, b) if a < b else (b, a)]
                if veto:
                    return self._reason((a, b), None)
                if low_pair is None and weight < floor:
                    low_pair = (a, b, weight)
        return self._reason(None, low_pair)

    def _reason(
        self, veto_pair: tuple[int, int] | None, low_pair: tuple[int, int, float] | None
    ) -> str:
        if veto_pair is not None:
            a, b = self._names(*veto_pair)
            return f"strong negative evidence between {a} and {b}"
        if low_pair is not None:
            a, b = self._names(low_pair[0], low_pair[1])
            return (
                f"weak pair {a}-{b} "
                f"(weight {low_pair[2]:.1f} < floor {self._policy.floor_weight:.1f})"
            )
        return ""

    def _names(self, left: int, right: int) -> tuple[str, str]:
        a, b = str(self._ids[left]), str(self._ids[right])
        return (a, b) if a < b else (b, a)

    def clusters(self) -> list[list[int]]:
        return list(self._members.values())
