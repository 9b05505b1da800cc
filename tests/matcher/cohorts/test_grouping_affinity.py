"""Tests for matcher/cohorts/grouping_affinity.py: dense and sparse affinities answer the
engine's questions the same way, through one protocol."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.affinity.terms import pairwise_affinity
from matcher.cohorts.grouping_affinity import DenseAffinity, GroupingAffinity, as_grouping_affinity, coverage_matrix
from matcher.cohorts.sparse_affinity import sparse_affinity


@pytest.fixture(scope="module")
def both(small_cohort):
    return as_grouping_affinity(pairwise_affinity(small_cohort), small_cohort), sparse_affinity(small_cohort, k=8)


def test_both_kinds_satisfy_the_protocol_and_only_dense_is_wrapped(both, small_cohort):
    dense, sparse_ = both
    assert isinstance(dense, DenseAffinity) and isinstance(dense, GroupingAffinity)
    assert isinstance(sparse_, GroupingAffinity)
    assert as_grouping_affinity(sparse_, small_cohort) is sparse_
    assert as_grouping_affinity(dense, small_cohort) is dense


def test_dense_and_sparse_give_the_same_exact_blocks(both):
    dense, sparse_ = both
    rows = np.array([3, 0, 7, 12])
    for a, b in zip(dense.pair_block(rows, rows[::-1]), sparse_.pair_block(rows, rows[::-1])):
        np.testing.assert_allclose(a, b, atol=1e-9)
    np.testing.assert_allclose(dense.coverage_block(rows, rows), sparse_.coverage_block(rows, rows))
    (s1, t1, d1), (s2, t2, d2) = dense.block(rows), sparse_.block(rows)
    np.testing.assert_allclose(s1, s2, atol=1e-9)
    np.testing.assert_allclose(d1, d2, atol=1e-6)
    assert set(t1) == set(t2)


def test_subsets_keep_ids_and_scores(both, small_cohort):
    dense, sparse_ = both
    rows = [5, 1, 9]
    for aff in both:
        sub = aff.subset(rows)
        assert sub.ids == tuple(small_cohort.ids[r] for r in rows)
        np.testing.assert_allclose(sub.pair_block([0, 1, 2], [0, 1, 2])[0], aff.pair_block(rows, rows)[0])


def test_problem_weights_add_coverage_and_carry_the_rules(both, small_cohort):
    dense, sparse_ = both
    w0, rules = dense.problem_weights(0.0)
    w1, _ = dense.problem_weights(0.5)
    np.testing.assert_allclose(w1 - w0, 0.5 * coverage_matrix(small_cohort))
    assert set(rules) == {"allowed"}
    sw, srules = sparse_.problem_weights(0.5)
    assert set(srules) == {"forbidden", "meeting"} and sw.shape == w0.shape
