"""MatchEngine: the whole deduplication on MatchRecords — fit, full run, incremental updates.

    engine = MatchEngine(settings)
    engine.add(records)                  # any iterable; streamed into a columnar table
    model = engine.fit()                 # u from random pairs, m by EM (labels optional)
    result = engine.run(decisions)       # block, compare, score, cluster
    update = engine.upsert(new_records)  # incremental: index look-up, re-cluster what changed
    engine.explain("id-a", "id-b")       # weight of each comparison, adding up exactly

No database code lives here: candidates for incremental runs come from a
:class:`~crmhub.match.blocking.CandidateIndex`, which the store can implement in SQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np

from crmhub.match.background import Background
from crmhub.match.blocking import (
    BlockingStats,
    CandidateIndex,
    InMemoryCandidateIndex,
    block_pairs,
    record_keys,
)
from crmhub.match.clustering import ClusterOutcome, StewardDecisions, cluster_rows
from crmhub.match.comparisons import compare_pairs
from crmhub.match.estimate import (
    em_by_training_blocks,
    em_on_patterns,
    estimate_u_random,
    m_from_labels,
    match_posterior,
    pattern_counts,
)
from crmhub.match.explain import PairExplanation, explain_pairs, stored_explanations
from crmhub.match.gc_pacing import fewer_collections
from crmhub.match.model import ComparisonParams, FellegiSunterModel, TermFrequencies
from crmhub.match.prefetch import prefetch
from crmhub.match.record import KINDS, MatchRecord
from crmhub.match.scoring import ScoredPairs, Scorer, probability, weight_of
from crmhub.match.settings import MatchSettings
from crmhub.match.split_compare import compare_pairs_split, weigh_split
from crmhub.match.table import RecordTable


class ModelNotFittedError(RuntimeError):
    """A run or explanation was asked for before a model was fitted or loaded."""


@dataclass(frozen=True)
class ReviewItem:
    """A pair a steward should decide, with its probability and why it is in the queue."""

    left_id: str
    right_id: str
    probability: float
    reason: str


@dataclass
class MatchResult:
    """Outcome of a full run."""

    cluster_of: dict[str, str]
    pairs: ScoredPairs
    review: list[ReviewItem]
    blocking: BlockingStats
    timings: dict[str, float] = field(default_factory=dict)

    def clusters(self) -> dict[str, list[str]]:
        """Cluster id (the smallest member id) -> member ids."""
        out: dict[str, list[str]] = {}
        for record_id, cluster in self.cluster_of.items():
            out.setdefault(cluster, []).append(record_id)
        return out


@dataclass
class IncrementalResult:
    """Outcome of an incremental update: the new cluster of every record whose cluster was
    recomputed, the pairs scored for the batch and the review items in the affected area."""

    cluster_of: dict[str, str]
    pairs: ScoredPairs
    review: list[ReviewItem]


class MatchEngine:
    """Deduplicates (or links) MatchRecords. See the module docstring for the flow.

    ``index``: a :class:`CandidateIndex` maintained by its owner (the store) for every record
    loaded with :meth:`add`; without one, an in-memory index is built on the first
    :meth:`upsert`.
    """

    def __init__(
        self,
        settings: MatchSettings | None = None,
        model: FellegiSunterModel | None = None,
        index: CandidateIndex | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        self.comparisons = self.settings.resolve_comparisons()
        self.families = self.settings.resolve_key_families()
        self.policy = self.settings.cluster_policy()
        self.table = RecordTable()
        # An index passed in (the store's) is kept up to date by its owner for the records
        # loaded with add(); the engine's own in-memory index is filled on first upsert().
        self.index: CandidateIndex = index if index is not None else InMemoryCandidateIndex()
        self._owns_index = index is None
        self._index_ready = not self._owns_index
        self.model: FellegiSunterModel | None = None
        self._scorer: Scorer | None = None
        if model is not None:
            self.use_model(model)
        self._candidates: tuple[np.ndarray, np.ndarray, np.ndarray, BlockingStats] | None = None
        self._merge_edges: dict[int, dict[int, float]] = {}
        self._review_edges: dict[int, dict[int, float]] = {}
        self._labels = np.empty(0, dtype=object)  # cluster id per row; grows by doubling
        self._n_labelled = 0
        self.decisions = StewardDecisions()

    # ---- records --------------------------------------------------------------------------

    def add(self, records: Iterable[MatchRecord], batch_size: int = 50_000) -> int:
        """Load records (new or replacing known ids) without matching them; returns the count.
        Use before a full run; for matching on arrival use :meth:`upsert`."""
        with fewer_collections():
            return self._add(records, batch_size)

    def _add(self, records: Iterable[MatchRecord], batch_size: int) -> int:
        count = 0
        for batch in _batches(records, batch_size):
            self.table.upsert(batch)
            count += len(batch)
        self._candidates = None
        if self._owns_index and count:
            self._index_ready = False
        return count

    def allowed(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Which row pairs may be compared: same kind, both active, and for a linkage
        different sources."""
        kind, active = self.table.kind, self.table.active
        ok = (kind[left] == kind[right]) & active[left] & active[right]
        if self.settings.link_type == "link_only":
            source = self.table.column("source")
            ok &= source[left] != source[right]
        return ok

    def possible_pairs(self, kind: int) -> float:
        """Number of comparable pairs of one kind code (different sources for a linkage)."""
        rows = np.flatnonzero(self.table.active & (self.table.kind == kind))
        n = float(rows.size)
        total = n * (n - 1) / 2
        if self.settings.link_type == "link_only":
            _, counts = np.unique(self.table.column("source")[rows], return_counts=True)
            total -= float(sum(c * (c - 1) / 2 for c in counts.astype(np.float64)))
        return max(total, 1.0)

    def _priors(
        self,
        gamma: np.ndarray,
        left: np.ndarray,
        m: list[np.ndarray],
        u: list[np.ndarray],
        share: float,
    ) -> dict[str, float]:
        """Per kind: expected matches among its candidate pairs (EM posterior) divided by the
        number of pairs of that kind, i.e. the match probability of two random records."""
        posterior = match_posterior(gamma, m, u, share)
        kinds = self.table.kind[left]
        priors = {}
        for code, name in enumerate(KINDS):
            if not (self.table.kind[self.table.active] == code).any():
                continue
            expected = float(posterior[kinds == code].sum())
            priors[name] = min(max(expected, 1.0) / self.possible_pairs(code), 0.5)
        return priors

    # ---- candidates and model -------------------------------------------------------------

    def candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, BlockingStats]:
        """Candidate pairs of a full run and their level matrix (cached until records change)."""
        if self._candidates is None:
            prefetch(self.table, self.families, self.comparisons)
            left, right, stats = block_pairs(
                self.table, self.families, self.settings.key_cap, self.allowed
            )
            gamma = compare_pairs_split(self.table, left, right, self.comparisons)
            self._candidates = (left, right, gamma, stats)
        return self._candidates

    def fit(self, labels: StewardDecisions | None = None) -> FellegiSunterModel:
        """Estimate the model from the loaded records: u from random pairs, m and the match
        share by EM over the candidate pairs; then m re-estimated from labelled pairs, if any."""
        with fewer_collections():
            return self._fit(labels)

    def _fit(self, labels: StewardDecisions | None) -> FellegiSunterModel:
        started = time.perf_counter()
        u_args = (
            self.table,
            self.comparisons,
            self.settings.u_sample_pairs,
            self.allowed,
            self.settings.seed,
        )
        pending_u = None
        if self._candidates is None:
            # the columns' codes first, so the forked helpers inherit them; then u from random
            # pairs, which does not depend on the candidates, on the other core meanwhile
            prefetch(self.table, self.families, self.comparisons)
            pending_u = Background(estimate_u_random, *u_args)
        left, _, gamma, _ = self.candidates()
        n_levels = [len(c.levels) for c in self.comparisons]
        u = pending_u.result() if pending_u is not None else estimate_u_random(*u_args)
        iterations = self.settings.em_max_iterations
        # every EM below runs on the level patterns of the candidates: count them once
        counted = pattern_counts(gamma)
        em = em_on_patterns(*counted, n_levels, u_start=u, max_iterations=iterations)
        em_iterations, em_converged = em.iterations, em.converged
        m = em.m
        blocks = self.settings.training_block_indexes()
        if blocks:
            by_block = em_by_training_blocks(
                gamma, n_levels, blocks, u, iterations, counted=counted
            )
            m = [b if b is not None else full for b, full in zip(by_block, em.m)]
            # the share of matches among candidates, with m held at the block estimates
            em = em_on_patterns(
                *counted,
                n_levels,
                m_start=m,
                u_start=em.u,
                share_start=em.match_share,
                max_iterations=iterations,
                fix_m=True,
            )
        n_labelled = 0
        if labels is not None and (labels.must_link or labels.cannot_link):
            lab_left, lab_right, is_match = self._labelled_rows(labels)
            n_labelled = int(lab_left.size)
            if n_labelled:
                lab_gamma = compare_pairs(self.table, lab_left, lab_right, self.comparisons)
                m = m_from_labels(lab_gamma, is_match, n_levels, m)
        priors = self._priors(gamma, left, em.m, em.u, em.match_share)
        model = FellegiSunterModel(
            comparisons=[
                ComparisonParams(c.name, c.levels, mk.tolist(), uk.tolist(), c.tf_column)
                for c, mk, uk in zip(self.comparisons, m, u)
            ],
            priors=priors,
            term_frequencies={
                c.tf_column: TermFrequencies.from_values(
                    c.tf_column, self._active_column(c.tf_column)
                )
                for c in self.comparisons
                if c.tf_column
            },
            training={
                "records": int(self.table.active.sum()),
                "candidate_pairs": int(left.size),
                "em_iterations": em_iterations,
                "em_converged": em_converged,
                "training_blocks": [[self.settings.comparisons[k] for k in b] for b in blocks],
                "em_match_share": em.match_share,
                "labelled_pairs": n_labelled,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        self.use_model(model)
        return model

    def use_model(self, model: FellegiSunterModel) -> None:
        """Score with a given (e.g. stored) model."""
        self._scorer = Scorer(model, self.comparisons)
        self.model = model

    @property
    def scorer(self) -> Scorer:
        """The scorer of the current model."""
        if self._scorer is None:
            raise ModelNotFittedError(
                "no match model: call MatchEngine.fit() or pass a stored model"
            )
        return self._scorer

    def _active_column(self, name: str) -> np.ndarray:
        return self.table.column(name)[self.table.active]

    def _labelled_rows(self, labels: StewardDecisions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pairs = [(p, True) for p in labels.must_link] + [(p, False) for p in labels.cannot_link]
        known = [(a, b, same) for (a, b), same in pairs if a in self.table and b in self.table]
        left = np.asarray([self.table.row_of(a) for a, _, _ in known], dtype=np.int64)
        right = np.asarray([self.table.row_of(b) for _, b, _ in known], dtype=np.int64)
        return left, right, np.asarray([s for _, _, s in known], dtype=bool)

    # ---- full run -------------------------------------------------------------------------

    def run(self, decisions: StewardDecisions | None = None) -> MatchResult:
        """Full run over all active records: score the candidates, cluster, queue reviews."""
        with fewer_collections():
            return self._run(decisions)

    def _run(self, decisions: StewardDecisions | None) -> MatchResult:
        t0 = time.perf_counter()
        left, right, gamma, stats = self.candidates()
        block_compare = time.perf_counter() - t0
        weight = weigh_split(self.scorer, self.table, left, gamma)
        pairs = ScoredPairs(left, right, gamma, weight)
        result = self.run_scored(pairs, stats, decisions)
        result.timings = {"block_compare": block_compare, **result.timings}
        return result

    def run_scored(
        self,
        pairs: ScoredPairs,
        stats: BlockingStats,
        decisions: StewardDecisions | None = None,
    ) -> MatchResult:
        """Cluster pairs scored elsewhere (e.g. by partitions of the candidates): the same as
        :meth:`run` from its scores on, so the same pairs give the same result. Pairs below
        the review threshold may be left out: they change nothing."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        self.decisions = decisions or StewardDecisions()
        weight = pairs.weight
        self._store_edges(pairs, replace=True)
        timings["score"] = time.perf_counter() - t0
        rows = set(self._merge_edges) | self._decision_rows()
        outcome = self._cluster(sorted(rows))
        self._labels = self.table.ids.copy()
        self._n_labelled = len(self.table)
        self._apply(outcome)
        timings["cluster"] = time.perf_counter() - t0 - sum(timings.values())
        keep = weight >= weight_of(self.settings.review_threshold)
        active_rows = np.flatnonzero(self.table.active)
        return MatchResult(
            cluster_of=dict(
                zip(self.table.ids[active_rows].tolist(), self._label[active_rows].tolist())
            ),
            pairs=pairs.select(keep),
            review=self._review(outcome, None),
            blocking=stats,
            timings=timings,
        )

    # ---- incremental ----------------------------------------------------------------------

    def upsert(
        self, records: Iterable[MatchRecord], decisions: StewardDecisions | None = None
    ) -> IncrementalResult:
        """Match new or changed records against everything stored and update the clusters
        they touch (merging or splitting). The model is not re-estimated."""
        if decisions is not None:
            self.decisions = decisions
        self._ensure_index()
        batch = list(records)
        old_clusters = self._old_cluster_rows([r.id for r in batch if r.id in self.table])
        new_rows, replaced_rows = self.table.upsert(batch)
        self._candidates = None
        self._grow_labels()
        for row in replaced_rows.tolist():
            self._forget_edges(row)
            self.index.remove(self.table.ids[row])
        rows = np.concatenate([new_rows, replaced_rows])
        keys = record_keys(self.table, rows, self.families)
        for row, row_keys in zip(rows.tolist(), keys):
            self.index.add(self.table.ids[row], row_keys)
        pairs = self._score_new_pairs(rows, keys)
        self._store_edges(pairs, replace=False)
        return self._recluster(set(rows.tolist()) | old_clusters, pairs)

    def remove(self, record_ids: Iterable[str]) -> IncrementalResult:
        """Remove records (e.g. deleted at the source) and split what they held together."""
        ids = list(record_ids)
        old_clusters = self._old_cluster_rows(ids)
        rows = self.table.deactivate(ids)
        for row in rows.tolist():
            self._forget_edges(row)
            self.index.remove(self.table.ids[row])
        self._candidates = None
        result = self._recluster(
            old_clusters - set(rows.tolist()), ScoredPairs.concat([], len(self.comparisons))
        )
        for record_id in ids:
            result.cluster_of.pop(record_id, None)
        return result

    def _ensure_index(self) -> None:
        if self._index_ready:
            return
        rows = np.flatnonzero(self.table.active)
        for row, keys in zip(rows.tolist(), record_keys(self.table, rows, self.families)):
            self.index.add(self.table.ids[row], keys)
        self._index_ready = True

    def _score_new_pairs(self, rows: np.ndarray, keys: list[list[str]]) -> ScoredPairs:
        seen: set[tuple[int, int]] = set()
        for row, row_keys in zip(rows.tolist(), keys):
            for other_id in self.index.candidates(row_keys, self.settings.key_cap):
                other = self.table.row_of(other_id)
                if other != row:
                    seen.add((min(row, other), max(row, other)))
        if not seen:
            return ScoredPairs.concat([], len(self.comparisons))
        pair_array = np.asarray(sorted(seen), dtype=np.int64)
        left, right = pair_array[:, 0], pair_array[:, 1]
        ok = self.allowed(left, right)
        return self.scorer.score(self.table, left[ok], right[ok])

    def _old_cluster_rows(self, ids: list[str]) -> set[int]:
        """Members of the current clusters of these records (found through the merge edges and
        must-links, which connect every cluster)."""
        members: set[int] = set()
        for record_id in ids:
            if record_id not in self.table:
                continue
            row = self.table.row_of(record_id)
            if row >= self._label.size:
                continue
            label = self._label[row]
            members.update(r for r in self._reachable({row}) if self._label[r] == label)
        return members

    def _recluster(self, seeds: set[int], pairs: ScoredPairs) -> IncrementalResult:
        area = self._reachable(seeds | self._decision_rows(seeds))
        outcome = self._cluster(sorted(area))
        self._apply(outcome)
        cluster_of = {self.table.ids[r]: self._label[r] for r in area if self.table.active[r]}
        return IncrementalResult(cluster_of, pairs, self._review(outcome, area))

    def _reachable(self, seeds: set[int]) -> set[int]:
        """Rows connected to the seeds by merge edges or must-links."""
        must = self._must_adjacency()
        seen, stack = set(seeds), list(seeds)
        while stack:
            row = stack.pop()
            for other in list(self._merge_edges.get(row, ())) + must.get(row, []):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen

    # ---- edges, clusters, review ----------------------------------------------------------

    def _store_edges(self, pairs: ScoredPairs, replace: bool) -> None:
        if replace:
            self._merge_edges, self._review_edges = {}, {}
        veto = self.policy.veto_mask(pairs.gamma)
        merge_w = self.policy.merge_weight
        review_w = weight_of(self.settings.review_threshold)
        mergeable = (pairs.weight >= merge_w) & ~veto
        for a, b, w in zip(
            pairs.left[mergeable].tolist(),
            pairs.right[mergeable].tolist(),
            pairs.weight[mergeable].tolist(),
        ):
            self._merge_edges.setdefault(a, {})[b] = w
            self._merge_edges.setdefault(b, {})[a] = w
        reviewable = (pairs.weight >= review_w) & ~mergeable
        for a, b, w in zip(
            pairs.left[reviewable].tolist(),
            pairs.right[reviewable].tolist(),
            pairs.weight[reviewable].tolist(),
        ):
            self._review_edges.setdefault(a, {})[b] = w
            self._review_edges.setdefault(b, {})[a] = w

    def _forget_edges(self, row: int) -> None:
        for edges in (self._merge_edges, self._review_edges):
            for other in edges.pop(row, {}):
                edges.get(other, {}).pop(row, None)

    def _decision_rows(self, near: set[int] | None = None) -> set[int]:
        rows = set()
        for a, b in self.decisions.must_link | self.decisions.cannot_link:
            if a in self.table and b in self.table:
                ra, rb = self.table.row_of(a), self.table.row_of(b)
                if near is None or ra in near or rb in near:
                    rows.update((ra, rb))
        return rows

    def _must_adjacency(self) -> dict[int, list[int]]:
        adjacency: dict[int, list[int]] = {}
        for a, b in self._decision_row_pairs(self.decisions.must_link):
            adjacency.setdefault(a, []).append(b)
            adjacency.setdefault(b, []).append(a)
        return adjacency

    def _decision_row_pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
        out = []
        for a, b in pairs:
            if a in self.table and b in self.table:
                ra, rb = self.table.row_of(a), self.table.row_of(b)
                if self.table.active[ra] and self.table.active[rb]:
                    out.append((ra, rb))
        return out

    def _cluster(self, rows: list[int]) -> ClusterOutcome:
        row_set = set(rows)
        lefts, rights, weights = [], [], []
        for a in rows:
            for b, w in self._merge_edges.get(a, {}).items():
                if a < b and b in row_set:
                    lefts.append(a)
                    rights.append(b)
                    weights.append(w)
        must = [
            p
            for p in self._decision_row_pairs(self.decisions.must_link)
            if p[0] in row_set and p[1] in row_set
        ]
        cannot = [
            p
            for p in self._decision_row_pairs(self.decisions.cannot_link)
            if p[0] in row_set and p[1] in row_set
        ]
        return cluster_rows(
            rows,
            (
                np.asarray(lefts, np.int64),
                np.asarray(rights, np.int64),
                np.asarray(weights, np.float64),
            ),
            self.table.ids,
            self.policy,
            must,
            cannot,
            self._score_for_clusters,
        )

    def _score_for_clusters(
        self, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # Scorer.score, on two cores when the clusters to check hold many pairs
        gamma = compare_pairs_split(self.table, left, right, self.comparisons)
        weight = weigh_split(self.scorer, self.table, left, gamma)
        return weight, self.policy.veto_mask(gamma)

    def _apply(self, outcome: ClusterOutcome) -> None:
        ids = self.table.ids
        for members in outcome.clusters:
            label = min(ids[r] for r in members)
            for r in members:
                self._label[r] = label

    @property
    def _label(self) -> np.ndarray:
        """Cluster id (smallest member id) per row."""
        return self._labels[: self._n_labelled]

    def _grow_labels(self) -> None:
        """New rows start as their own cluster."""
        n, done = len(self.table), self._n_labelled
        if n <= done:
            return
        if n > self._labels.size:
            grown = np.empty(max(n, 2 * self._labels.size), dtype=object)
            grown[:done] = self._labels[:done]
            self._labels = grown
        self._labels[done:n] = self.table.ids[done:n]
        self._n_labelled = n

    def _review(self, outcome: ClusterOutcome, area: set[int] | None) -> list[ReviewItem]:
        """Pairs left apart that a steward should look at: merges the cluster rule refused and
        pairs in the review band (or vetoed), excluding pairs already decided."""
        ids, label = self.table.ids, self._label
        items: dict[tuple[int, int], ReviewItem] = {}
        for a, b, reason in outcome.refused:
            if label[a] != label[b] and self.decisions.label(ids[a], ids[b]) is None:
                w = self._merge_edges.get(a, {}).get(b, 0.0)
                items[(a, b)] = ReviewItem(ids[a], ids[b], float(probability(w)), reason)
        for a, b, w in self._review_pairs_in(area):
            if label[a] != label[b] and self.decisions.label(ids[a], ids[b]) is None:
                items.setdefault(
                    (a, b),
                    ReviewItem(
                        ids[a],
                        ids[b],
                        float(probability(w)),
                        "between review and merge thresholds, or vetoed",
                    ),
                )
        return sorted(items.values(), key=lambda i: (-i.probability, i.left_id, i.right_id))

    def _review_pairs_in(self, area: set[int] | None) -> Iterator[tuple[int, int, float]]:
        """Review-band pairs (a < b) touching ``area`` (all of them when None)."""
        sources = self._review_edges.keys() if area is None else area
        seen: set[tuple[int, int]] = set()
        for a in sources:
            for b, w in self._review_edges.get(a, {}).items():
                pair = (a, b) if a < b else (b, a)
                if pair not in seen:
                    seen.add(pair)
                    yield pair[0], pair[1], w

    # ---- explanations ---------------------------------------------------------------------

    def explain(self, left_id: str, right_id: str) -> PairExplanation:
        """Why two records score what they score: each comparison's level and weight."""
        return self.explain_many([(left_id, right_id)])[0]

    def explain_many(self, pairs: Sequence[tuple[str, str]]) -> list[PairExplanation]:
        """:meth:`explain` for many pairs, compared in one pass."""
        return explain_pairs(self.scorer, self.table, *self._rows_of_pairs(pairs))

    def explanations_to_store(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """:meth:`explain_many` in the stored form (``PairExplanation.to_dict()``), built
        without the objects in between."""
        return stored_explanations(self.scorer, self.table, *self._rows_of_pairs(pairs))

    def _rows_of_pairs(self, pairs: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        left = np.asarray([self.table.row_of(a) for a, _ in pairs], dtype=np.int64)
        right = np.asarray([self.table.row_of(b) for _, b in pairs], dtype=np.int64)
        return left, right

    def cluster_of(self, record_id: str) -> str:
        """Current cluster id (smallest member id) of a record."""
        row = self.table.row_of(record_id)
        return str(self._label[row]) if row < self._label.size else record_id


def _batches(records: Iterable[MatchRecord], size: int) -> Iterator[list[MatchRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch
