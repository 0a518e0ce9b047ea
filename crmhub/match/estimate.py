"""Estimating the model's parameters without labels, and refining m when labels exist.

* u (how often non-matches agree) from random pairs: almost every random pair is a non-match.
* m (how often matches agree) by expectation-maximisation over the candidate pairs' levels.
  EM runs on the distinct level patterns with their counts, not on every pair, so it costs
  milliseconds even for millions of pairs.
* Steward decisions (same / different) re-estimate m as a blend of the labelled counts and the
  unsupervised estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crmhub.match.arrays import unique_ints_index_counts, unique_ints_inverse
from crmhub.match.comparisons import MISSING, Comparison, compare_pairs
from crmhub.match.model import PROBABILITY_FLOOR
from crmhub.match.table import RecordTable

PairFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class EmResult:
    """Outcome of EM: m and u per comparison (arrays over levels), the share of matches among
    the pairs it saw, iterations used and whether it converged."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    match_share: float
    iterations: int
    converged: bool


def level_counts(
    gamma: np.ndarray, n_levels: Sequence[int], weights: np.ndarray | None = None
) -> list[np.ndarray]:
    """Per comparison, the (weighted) number of pairs at each level, missing ignored."""
    out = []
    for k, n in enumerate(n_levels):
        column = gamma[:, k]
        present = column != MISSING
        out.append(
            np.bincount(
                column[present], weights=None if weights is None else weights[present], minlength=n
            ).astype(np.float64)
        )
    return out


def _normalise(counts: np.ndarray, smoothing: float) -> np.ndarray:
    smoothed = counts + smoothing
    total = smoothed.sum()
    if total <= 0:
        return np.full(counts.size, 1.0 / counts.size)
    return np.clip(smoothed / total, PROBABILITY_FLOOR, 1.0)


def sample_random_pairs(
    table: RecordTable, n_pairs: int, allowed: PairFilter | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n_pairs`` random distinct pairs of active rows of the same kind, drawn per kind in
    proportion to its number of possible pairs (with at least 20,000 per kind when possible)."""
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(table.active)
    kinds = table.kind[active]
    groups = [active[kinds == k] for k in np.unique(kinds)]
    possible = np.array([g.size * (g.size - 1) / 2 for g in groups], dtype=np.float64)
    lefts, rights = [], []
    for rows, n_possible in zip(groups, possible):
        if rows.size < 2:
            continue
        want = int(min(n_possible, max(n_pairs * n_possible / possible.sum(), 20_000)))
        a = rng.integers(0, rows.size, size=want * 2)
        b = rng.integers(0, rows.size, size=want * 2)
        keep = a != b
        left, right = rows[np.minimum(a, b)[keep]], rows[np.maximum(a, b)[keep]]
        if allowed is not None:
            ok = allowed(left, right)
            left, right = left[ok], right[ok]
        lefts.append(left[:want])
        rights.append(right[:want])
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


def estimate_u_random(
    table: RecordTable,
    comparisons: Sequence[Comparison],
    n_pairs: int = 1_000_000,
    allowed: PairFilter | None = None,
    seed: int = 0,
) -> list[np.ndarray]:
    """u per comparison level from random pairs (Laplace-smoothed so no level has u = 0)."""
    left, right = sample_random_pairs(table, n_pairs, allowed, seed)
    gamma = compare_pairs(table, left, right, comparisons)
    counts = level_counts(gamma, [len(c.levels) for c in comparisons])
    return [_normalise(c, 0.5) for c in counts]


def pattern_counts(
    gamma: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix (in lexicographic order) and how often each occurs;
    with integer ``weights``, the sum of the weights of its rows (so the patterns and counts
    of some pairs give those of a subset or of some columns of them)."""
    if gamma.shape[0] == 0:
        return gamma[:0], np.empty(0, np.int64)
    radix = int(gamma.max()) + 2
    if radix ** gamma.shape[1] < 2**62:
        shifted = gamma.astype(np.int64) + 1
        code = np.zeros(gamma.shape[0], dtype=np.int64)
        for k in range(gamma.shape[1]):
            code = code * radix + shifted[:, k]
        if weights is None:
            _, first, counts = unique_ints_index_counts(code)
            return gamma[first], counts
        distinct, inverse = unique_ints_inverse(code)
    elif weights is None:
        patterns, counts = np.unique(gamma, axis=0, return_counts=True)
        return patterns, counts
    else:
        distinct, inverse = np.unique(gamma, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    first = np.empty(distinct.shape[0], dtype=np.int64)
    first[inverse] = np.arange(inverse.size)
    summed = np.bincount(inverse, weights=weights, minlength=distinct.shape[0])
    return gamma[first], summed.astype(np.int64)


def expectation_maximisation(
    gamma: np.ndarray, n_levels: Sequence[int], **options: Any
) -> EmResult:
    """:func:`em_on_patterns` on the level patterns of ``gamma`` (counted here); ``options`` are
    its keyword arguments."""
    return em_on_patterns(*pattern_counts(gamma), n_levels, **options)


def em_on_patterns(
    patterns: np.ndarray,
    counts: np.ndarray,
    n_levels: Sequence[int],
    m_start: Sequence[np.ndarray] | None = None,
    u_start: Sequence[np.ndarray] | None = None,
    share_start: float = 0.1,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
    fix_m: bool = False,
) -> EmResult:
    """Fit a two-class mixture (match / non-match) to level patterns and their counts
    (:func:`pattern_counts`).

    Missing levels (-1) contribute nothing to either class. Returns m, u and the match share.
    With ``fix_m`` the m given in ``m_start`` are kept and only u and the share are fitted.
    """
    counts = counts.astype(np.float64)
    m = [np.asarray(x, dtype=np.float64).copy() for x in (m_start or _default_m(n_levels))]
    u = [np.asarray(x, dtype=np.float64).copy() for x in (u_start or _uniform(n_levels))]
    share = share_start
    converged, iteration = False, 0
    for iteration in range(1, max_iterations + 1):
        posterior = _posterior(patterns, m, u, share)
        match_weight = counts * posterior
        non_match_weight = counts - match_weight
        new_share = float(match_weight.sum() / max(counts.sum(), 1.0))
        new_m = (
            m
            if fix_m
            else [_normalise(c, 1e-3) for c in level_counts(patterns, n_levels, match_weight)]
        )
        new_u = [_normalise(c, 1e-3) for c in level_counts(patterns, n_levels, non_match_weight)]
        delta = max(
            abs(new_share - share),
            max(float(np.abs(a - b).max()) for a, b in zip(new_m + new_u, m + u)),
        )
        m, u, share = new_m, new_u, new_share
        if delta < tolerance:
            converged = True
            break
    return EmResult(m, u, share, iteration, converged)


def em_by_training_blocks(
    gamma: np.ndarray,
    n_levels: Sequence[int],
    blocks: Sequence[Sequence[int]],
    u_start: Sequence[np.ndarray],
    max_iterations: int = 200,
    min_pairs: int = 50,
    counted: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[np.ndarray | None]:
    """m per comparison from EM on *training blocks*, as Splink does.

    A training block is the set of candidate pairs agreeing exactly on some comparisons (say
    e-mail); EM on those pairs, with the block's own comparisons left out, estimates m for
    all the others. Such a subset holds few of the look-alike non-matches that share an
    address and a phone (relatives), which a single EM over all candidates would take for
    matches. Each comparison's m is the mean over the blocks that estimated it from at least
    ``min_pairs`` non-missing pairs, weighted by that number; ``None`` where no block did.
    ``counted``: :func:`pattern_counts` of ``gamma``, if the caller has it already.
    """
    estimates: list[list[np.ndarray]] = [[] for _ in n_levels]
    support: list[list[float]] = [[] for _ in n_levels]
    # every block is a set of patterns: count the pairs' patterns once, not once per block
    patterns, counts = counted if counted is not None else pattern_counts(gamma)
    for block in blocks:
        in_block = np.all(patterns[:, list(block)] == 0, axis=1)
        if int(counts[in_block].sum()) < min_pairs:
            continue
        others = [k for k in range(len(n_levels)) if k not in block]
        block_patterns, block_counts = patterns[in_block], counts[in_block]
        result = em_on_patterns(
            *pattern_counts(block_patterns[:, others], block_counts),
            [n_levels[k] for k in others],
            u_start=[u_start[k] for k in others],
            share_start=0.5,
            max_iterations=max_iterations,
        )
        for j, k in enumerate(others):
            present = float(block_counts[block_patterns[:, k] != MISSING].sum())
            if present >= min_pairs:
                estimates[k].append(result.m[j])
                support[k].append(present)
    return [np.average(e, axis=0, weights=w) if e else None for e, w in zip(estimates, support)]


def match_posterior(
    gamma: np.ndarray, m: Sequence[np.ndarray], u: Sequence[np.ndarray], share: float
) -> np.ndarray:
    """P(match | levels) of every row of ``gamma`` under a mixture with match share ``share``
    (computed in log space)."""
    return _posterior(gamma, m, u, share)


def _posterior(
    patterns: np.ndarray, m: Sequence[np.ndarray], u: Sequence[np.ndarray], share: float
) -> np.ndarray:
    """P(match | pattern) for every pattern, computed in log space."""
    log_ratio = np.full(patterns.shape[0], np.log(share / (1 - share)) if 0 < share < 1 else 0.0)
    for k in range(patterns.shape[1]):
        weights = np.append(np.log(m[k]) - np.log(u[k]), 0.0)  # index -1 = missing
        log_ratio += weights[patterns[:, k]]
    return 1.0 / (1.0 + np.exp(-np.clip(log_ratio, -700, 700)))


def _default_m(n_levels: Sequence[int]) -> list[np.ndarray]:
    """Starting m: most mass on the best level, the rest decreasing."""
    out = []
    for n in n_levels:
        tail = np.array([0.5**i for i in range(1, n)], dtype=np.float64)
        tail = 0.1 * tail / tail.sum() if tail.size else tail
        out.append(np.r_[0.9 if n > 1 else 1.0, tail])
    return out


def _uniform(n_levels: Sequence[int]) -> list[np.ndarray]:
    return [np.full(n, 1.0 / n) for n in n_levels]


def m_from_labels(
    gamma: np.ndarray,
    is_match: np.ndarray,
    n_levels: Sequence[int],
    m_prior: Sequence[np.ndarray],
    prior_strength: float = 20.0,
) -> list[np.ndarray]:
    """Re-estimate m from labelled pairs: the level counts of pairs labelled "same", blended
    with the current m as ``prior_strength`` pseudo-pairs (so a handful of labels nudges and
    many labels dominate)."""
    matches = gamma[np.asarray(is_match, dtype=bool)]
    counts = level_counts(matches, n_levels)
    return [_normalise(c + prior_strength * np.asarray(p), 0.0) for c, p in zip(counts, m_prior)]
