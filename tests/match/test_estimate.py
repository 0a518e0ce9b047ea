"""Parameter estimation: EM on synthetic levels, u from random pairs, m from labels."""

from __future__ import annotations

import numpy as np

from crmhub.match.estimate import (
    em_by_training_blocks,
    expectation_maximisation,
    m_from_labels,
    pattern_counts,
)

TRUE_M = [
    np.array([0.9, 0.07, 0.03]),
    np.array([0.85, 0.15]),
    np.array([0.8, 0.1, 0.1]),
    np.array([0.95, 0.05]),
]
TRUE_U = [
    np.array([0.01, 0.04, 0.95]),
    np.array([0.05, 0.95]),
    np.array([0.02, 0.08, 0.9]),
    np.array([0.1, 0.9]),
]
LEVELS = [3, 2, 3, 2]


def synthetic_levels(
    n: int, share: float, seed: int, missing: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Level matrix drawn from known m/u (independent comparisons) and the true classes."""
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < share
    gamma = np.empty((n, len(TRUE_M)), dtype=np.int8)
    for k, (m, u) in enumerate(zip(TRUE_M, TRUE_U)):
        gamma[is_match, k] = rng.choice(m.size, size=int(is_match.sum()), p=m)
        gamma[~is_match, k] = rng.choice(u.size, size=int((~is_match).sum()), p=u)
        gamma[rng.random(n) < missing, k] = -1
    return gamma, is_match


def test_em_recovers_m_u_and_share() -> None:
    gamma, _ = synthetic_levels(200_000, share=0.3, seed=1)
    result = expectation_maximisation(gamma, LEVELS)
    assert result.converged
    assert abs(result.match_share - 0.3) < 0.01
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(result.m[k], TRUE_M[k], atol=0.02)
        np.testing.assert_allclose(result.u[k], TRUE_U[k], atol=0.02)


def test_em_with_fixed_m_only_fits_u_and_share() -> None:
    gamma, _ = synthetic_levels(100_000, share=0.2, seed=2)
    result = expectation_maximisation(gamma, LEVELS, m_start=TRUE_M, fix_m=True)
    assert all(np.array_equal(a, b) for a, b in zip(result.m, TRUE_M))
    assert abs(result.match_share - 0.2) < 0.01


def test_training_block_leaves_its_own_comparison_out() -> None:
    gamma, _ = synthetic_levels(100_000, share=0.3, seed=3)
    m = em_by_training_blocks(gamma, LEVELS, blocks=[[0]], u_start=TRUE_U)
    assert m[0] is None  # the block's own comparison is not estimated from it
    np.testing.assert_allclose(m[2], TRUE_M[2], atol=0.03)


def test_labels_pull_m_towards_the_labelled_pairs() -> None:
    gamma, is_match = synthetic_levels(5_000, share=0.5, seed=4)
    wrong_m = [np.full(n, 1 / n) for n in LEVELS]
    m = m_from_labels(gamma, is_match, LEVELS, wrong_m, prior_strength=20)
    for k in range(len(LEVELS)):
        np.testing.assert_allclose(m[k], TRUE_M[k], atol=0.03)


def test_pattern_counts_add_up() -> None:
    gamma, _ = synthetic_levels(10_000, share=0.3, seed=5)
    patterns, counts = pattern_counts(gamma)
    assert counts.sum() == 10_000
    assert len({tuple(p) for p in patterns.tolist()}) == len(patterns)


def test_weighted_pattern_counts_equal_the_counts_of_the_pairs_they_stand_for() -> None:
    from crmhub.match.estimate import pattern_counts

    rng = np.random.default_rng(2)
    gamma = rng.integers(-1, 3, size=(5_000, 6)).astype(np.int8)
    patterns, counts = pattern_counts(gamma)
    subset = patterns[:, 0] != 1
    columns = [1, 3, 4]
    got = pattern_counts(patterns[subset][:, columns], counts[subset])
    expected = pattern_counts(gamma[gamma[:, 0] != 1][:, columns])
    assert np.array_equal(got[0], expected[0])
    assert np.array_equal(got[1], expected[1])
