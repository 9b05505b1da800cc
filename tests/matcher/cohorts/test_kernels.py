"""Tests for matcher/cohorts/_numba (the dense kernels): the compiled moves keep their bookkeeping exact and
the descent really ends in a local optimum."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher.cohorts._numba as K

from .conftest import random_weights


def _start(n, m, lo, hi, seed):
    D = random_weights(n, seed, low=-3.0)
    wt = np.ones(n, dtype=np.int64)
    lo = np.full(m, lo, dtype=np.int64)
    hi = np.full(m, hi, dtype=np.int64)
    rng = K.seed_state(np.uint64(seed))
    p = np.full(n, -1, dtype=np.int64)
    assert K.fill_groups(D, p, wt, lo, hi, m, rng, False)
    return D, wt, lo, hi, p, rng


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 5), size=st.integers(2, 6), slack=st.integers(0, 2), seed=st.integers(0, 10_000))
def test_descent_ends_in_a_local_optimum_with_exact_gains(m, size, slack, seed):
    n = m * size
    D, wt, lo, hi, p, rng = _start(n, m, max(1, size - slack), size + slack, seed)
    free = np.ones(n, dtype=bool)
    Gt = K.gain_matrix(D, p, m)
    sizes = K.group_sizes(p, wt, m)
    f = K.descent(D, Gt, p, sizes, wt, lo, hi, free, K.objective(Gt, p), 1e-9, rng)
    assert np.allclose(Gt, K.gain_matrix(D, p, m))
    assert np.array_equal(sizes, np.bincount(p, minlength=m))
    assert np.all((sizes >= lo) & (sizes <= hi))
    same = p[:, None] == p[None, :]
    assert f == np.float64(f) and abs(f - np.where(same, D, 0).sum() / 2) < 1e-6
    for v in range(n):  # no improving move
        for b in range(m):
            if b != p[v] and sizes[p[v]] > lo[p[v]] and sizes[b] < hi[b]:
                assert Gt[b, v] - Gt[p[v], v] <= 1e-6
    for x in range(n):  # no improving swap
        for y in range(x + 1, n):
            a, b = p[x], p[y]
            if a != b:
                assert Gt[b, x] - Gt[a, x] + Gt[a, y] - Gt[b, y] - 2 * D[x, y] <= 1e-6


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 5), size=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_crossover_children_and_ejections_respect_the_bounds(m, size, seed):
    n = m * size + m // 2
    D, wt, lo, hi, pa, rng = _start(n, m, size, size + 1, seed)
    _, _, _, _, pb, _ = _start(n, m, size, size + 1, seed + 1)
    free = np.ones(n, dtype=bool)
    child = np.empty(n, dtype=np.int64)
    if K.crossover(D, pa, pb, wt, lo, hi, free, child, rng):
        sizes = np.bincount(child, minlength=m)
        assert child.min() >= 0 and np.all((sizes >= lo) & (sizes <= hi))
    Gt = K.gain_matrix(D, pa, m)
    sizes = K.group_sizes(pa, wt, m)
    K.eject_weakest(D, Gt, pa, sizes, wt, lo, hi, free, rng)
    assert np.allclose(Gt, K.gain_matrix(D, pa, m)) and np.all((sizes >= lo) & (sizes <= hi))


def test_random_numbers_depend_only_on_the_seed():
    a, b = K.seed_state(np.uint64(5)), K.seed_state(np.uint64(5))
    xs = [K.randint(a, 1000) for _ in range(20)]
    assert xs == [K.randint(b, 1000) for _ in range(20)] and len(set(xs)) > 10
