"""Scoring: level matrix + model -> match weight and probability of every pair.

The weight is accumulated in one fixed order — prior, then for each comparison its level
weight and its term-frequency adjustment — both here (vectorised) and in explanations, so an
explanation's parts add up to exactly the weight reported for the pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crmhub.match.comparisons import Comparison, compare_pairs
from crmhub.match.model import FellegiSunterModel
from crmhub.match.record import KINDS
from crmhub.match.table import RecordTable

#: Weight of the term-frequency adjustment (1.0 = full, as Splink's default).
TF_ADJUSTMENT_WEIGHT = 1.0


def probability(weight: np.ndarray | float) -> np.ndarray | float:
    """Match probability from a match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.asarray(weight, dtype=np.float64)))


def weight_of(probability_value: float) -> float:
    """Match weight (log2 odds) of a probability in (0, 1)."""
    if not 0.0 < probability_value < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {probability_value}")
    return float(np.log2(probability_value / (1.0 - probability_value)))


@dataclass
class ScoredPairs:
    """Pairs (row numbers), their level matrix and their match weights."""

    left: np.ndarray
    right: np.ndarray
    gamma: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return int(self.left.size)

    @property
    def probability(self) -> np.ndarray:
        """Match probability of each pair."""
        return probability(self.weight)  # type: ignore[return-value]

    def select(self, mask: np.ndarray) -> ScoredPairs:
        """The pairs where ``mask`` is true."""
        return ScoredPairs(self.left[mask], self.right[mask], self.gamma[mask], self.weight[mask])

    @staticmethod
    def concat(parts: Sequence[ScoredPairs], n_comparisons: int) -> ScoredPairs:
        """Join several batches."""
        if not parts:
            empty = np.empty(0, np.int64)
            return ScoredPairs(
                empty, empty, np.empty((0, n_comparisons), np.int8), np.empty(0, np.float64)
            )
        return ScoredPairs(
            np.concatenate([p.left for p in parts]),
            np.concatenate([p.right for p in parts]),
            np.concatenate([p.gamma for p in parts]),
            np.concatenate([p.weight for p in parts]),
        )


class Scorer:
    """Scores pairs of a table with a model."""

    def __init__(self, model: FellegiSunterModel, comparisons: Sequence[Comparison]) -> None:
        model.check_matches([(c.name, c.levels) for c in comparisons])
        self.model = model
        self.comparisons = list(comparisons)
        self._weights = [params.weights() for params in model.comparisons]
        if not model.priors:
            raise ValueError("match model has no priors; refit it")
        # a kind the model never saw gets the smallest prior it has (the most cautious)
        cautious = min(model.priors, key=model.priors.__getitem__)
        self._prior_weights = np.asarray(
            [model.prior_weight(k if k in model.priors else cautious) for k in KINDS]
        )
        #: Names this model's per-row frequency arrays in a table's cache.
        self._cache_token = object()
        self._log_u_exact = [
            float(np.log2(np.clip(params.u[0], 1e-12, 1.0))) for params in model.comparisons
        ]

    def prior_weights(self) -> np.ndarray:
        """Prior weight per kind code (index into :data:`KINDS`)."""
        return self._prior_weights

    def level_weights(self, k: int) -> np.ndarray:
        """log2(m/u) per level of comparison ``k`` (plus 0.0 for missing at index -1)."""
        return self._weights[k]

    def tf_adjustment(
        self, table: RecordTable, k: int, left: np.ndarray, level: np.ndarray
    ) -> np.ndarray | None:
        """Term-frequency adjustment of comparison ``k`` for each pair (None if it has none):
        ``log2(u_exact / tf(value))`` on exact agreement, 0 otherwise."""
        comparison = self.comparisons[k]
        column = comparison.tf_column
        tf = self.model.term_frequencies.get(column) if column else None
        if tf is None:
            return None
        adjustment = np.zeros(level.size, dtype=np.float64)
        exact = np.flatnonzero(level == 0)
        if exact.size:
            rows = left[exact]
            key = ("tf", k, self._cache_token)
            if table.derive_locally(key, exact.size):  # a few pairs: look up just theirs
                frequencies = self._value_frequencies(comparison, table.column(column)[rows])
            else:  # a full run: look each row's value up once
                frequencies = table.cached(
                    key, lambda: self._value_frequencies(comparison, table.column(column))
                )[rows]
            adjustment[exact] = TF_ADJUSTMENT_WEIGHT * (self._log_u_exact[k] - np.log2(frequencies))
        return adjustment

    def _value_frequencies(self, comparison: Comparison, values: np.ndarray) -> np.ndarray:
        """Each value's frequency in the comparison's column, or in any of its ``tf_also``
        columns where it is commoner."""
        frequencies = self.model.term_frequencies[comparison.tf_column].frequencies(values)  # type: ignore[index]
        for other in comparison.tf_also:
            if other in self.model.term_frequencies:
                also = self.model.term_frequencies[other].frequencies(values)
                frequencies = np.maximum(frequencies, also)
        return frequencies

    def weigh(self, table: RecordTable, left: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        """Match weight of each pair from its levels (left rows give the TF values)."""
        total = self._prior_weights[table.kind[left]]
        for k in range(gamma.shape[1]):
            total += self._weights[k][gamma[:, k]]
            adjustment = self.tf_adjustment(table, k, left, gamma[:, k])
            total += adjustment if adjustment is not None else 0.0
        return total

    def score(self, table: RecordTable, left: np.ndarray, right: np.ndarray) -> ScoredPairs:
        """Compare and weigh the pairs."""
        gamma = compare_pairs(table, left, right, self.comparisons)
        return ScoredPairs(left, right, gamma, self.weigh(table, left, gamma))
