"""Tests for matcher/cohorts/search.py: feasibility under every constraint type, optimality on
small problems, determinism, generator contract."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matcher.cohorts.exact import relaxation_bound
from matcher.cohorts.problem import GroupingProblem
from matcher.cohorts.search import SearchParams, fair_improve, improve, solve
from matcher.errors import InfeasibleError

from .conftest import brute_force, random_weights

FAST = SearchParams(population=6, min_population=2, threads=1)


@st.composite
def problems(draw):
    """Small random problems with every kind of constraint, feasible bounds."""
    m = draw(st.integers(1, 4))
    lo = draw(st.lists(st.integers(1, 4), min_size=m, max_size=m))
    hi = [a + draw(st.integers(0, 3)) for a in lo]
    n = draw(st.integers(sum(lo), sum(hi)))
    seed = draw(st.integers(0, 2**20))
    w = random_weights(n, seed, low=-2.0, high=10.0)
    rng = np.random.default_rng(seed)
    allowed = np.ones((n, n), dtype=bool)
    for _ in range(draw(st.integers(0, n))):
        i, j = rng.integers(0, n, 2)
        if i != j:
            allowed[i, j] = allowed[j, i] = False
    together = []
    if n >= 2 and draw(st.booleans()):
        together.append(tuple(int(x) for x in rng.choice(n, size=2, replace=False)))
    locked = {}
    if m >= 2 and draw(st.booleans()):
        members = tuple(int(x) for x in rng.choice(n, size=lo[0], replace=False))
        locked = {0: members}
    return GroupingProblem(w, lo, hi, allowed=allowed, keep_together=together, locked=locked)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), seed=st.integers(0, 100))
def test_solutions_meet_every_constraint_or_the_error_says_why(problem, seed):
    try:
        best = solve(problem, rounds=3, seed=seed, params=FAST)
    except InfeasibleError as exc:
        assert str(exc)
        # a feasible grouping must really not exist (or be very hard to find): check by brute force when tiny
        if problem.n <= 8 and problem.m <= 3:
            value, arg = brute_force(problem)
            assert arg is None
        return
    assert problem.violations(best.assignment) == []
    assert best.conflicts == 0
    assert best.objective == pytest.approx(problem.objective(best.assignment))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 9), m=st.integers(2, 3), seed=st.integers(0, 10_000))
def test_small_problems_are_solved_to_optimality(n, m, seed):
    lo, hi = n // m - (1 if n % m == 0 and n // m > 1 else 0), -(-n // m) + 1
    problem = GroupingProblem(random_weights(n, seed), [lo] * m, [hi] * m)
    assume(m * lo <= n <= m * hi)
    best = solve(problem, rounds=8, seed=seed, params=FAST)
    optimum, _ = brute_force(problem)
    assert best.objective == pytest.approx(optimum)
    assert best.objective <= relaxation_bound(problem) + 1e-9


def test_mdgplib_n12_reaches_the_proven_optimum():
    from .conftest import MDGP_DIR

    path = MDGP_DIR / "instances" / "RanInt_n012_ss_01.txt"
    if not path.exists():
        pytest.skip("shared MDGP instances not available")
    from matcher.cohorts.problem import read_mdgplib

    best = solve(read_mdgplib(path), rounds=10, seed=0, params=FAST)
    assert best.objective == pytest.approx(985.0)  # bks.csv: proven by exhaustive enumeration


@pytest.mark.parametrize("threads", [1, 2])
def test_same_seed_and_rounds_give_the_same_groups(threads):
    problem = GroupingProblem.from_size_range(random_weights(40, seed=3), (4, 6))
    params = SearchParams(population=8, threads=threads)
    a = solve(problem, rounds=5, seed=11, params=params)
    b = solve(problem, rounds=5, seed=11, params=params)
    assert np.array_equal(a.assignment, b.assignment)
    assert a.objective == b.objective


def test_improve_yields_strictly_better_states():
    problem = GroupingProblem.from_size_range(random_weights(60, seed=4), (5, 7))
    values = [s.objective for s in improve(problem, rounds=6, seed=2, params=FAST)]
    assert values and all(b > a for a, b in zip(values, values[1:]))


def test_improve_can_be_stopped_early():
    problem = GroupingProblem.from_size_range(random_weights(60, seed=5), (5, 7))
    gen = improve(problem, seconds=30, seed=2, params=SearchParams(population=6, threads=2))
    first = next(gen)
    gen.close()  # must stop the worker threads, not hang
    assert problem.violations(first.assignment) == []


def test_search_needs_a_limit():
    problem = GroupingProblem.from_size_range(random_weights(8, seed=6), (4, 4))
    with pytest.raises(ValueError, match="time limit"):
        next(improve(problem))


def test_forbidden_pairs_never_share_a_group_when_possible():
    n = 24
    allowed = np.ones((n, n), dtype=bool)
    # everyone likes 0 most, but 0 may not be with 1..5
    w = random_weights(n, seed=7)
    w[0, 1:6] = w[1:6, 0] = 100.0
    allowed[0, 1:6] = allowed[1:6, 0] = False
    problem = GroupingProblem.from_size_range(w, (4, 4), allowed=allowed)
    best = solve(problem, rounds=4, seed=0, params=FAST)
    assert problem.violations(best.assignment) == []


def test_impossible_keep_apart_raises_naming_a_pair():
    # 6 people in 2 groups of 3, but 0,1,2 and 3 are pairwise forbidden: 4 people need 4 groups
    allowed = np.ones((6, 6), dtype=bool)
    for i in range(4):
        for j in range(4):
            if i != j:
                allowed[i, j] = False
    problem = GroupingProblem(random_weights(6, seed=8), [3, 3], [3, 3], allowed=allowed, labels=tuple("ABCDEF"))
    with pytest.raises(InfeasibleError, match="keep every forbidden pair apart"):
        solve(problem, rounds=3, params=FAST)


def test_keep_together_and_locked_groups_hold():
    w = random_weights(21, seed=9)
    w[3, 17] = w[17, 3] = -50.0  # they would never choose each other
    problem = GroupingProblem.from_size_range(w, (4, 5), keep_together=[(3, 17)], locked=[(0, 1, 2, 4)])
    best = solve(problem, rounds=4, params=FAST)
    a = best.assignment
    assert a[3] == a[17]
    assert set(np.flatnonzero(a == 0)) == {0, 1, 2, 4}
    assert problem.violations(a) == []


def test_stay_bonus_keeps_people_in_their_groups():
    problem = GroupingProblem.from_size_range(random_weights(30, seed=10), (5, 5))
    prefer = np.arange(30) % 6
    best = solve(problem, rounds=3, params=FAST, prefer=prefer, stay_bonus=100.0)
    assert np.array_equal(best.assignment, prefer)


def test_warm_start_is_never_lost():
    problem = GroupingProblem.from_size_range(random_weights(30, seed=11), (5, 5))
    start = solve(problem, rounds=6, seed=1, params=FAST).assignment
    again = solve(problem, rounds=1, seed=2, params=FAST, start=start)
    assert again.objective >= problem.objective(start) - 1e-9


def test_fairness_raises_the_worst_off_member():
    n = 30
    w = random_weights(n, seed=12)
    w[0, :] *= 0.05  # member 0 is poorly liked: the total favours leaving them anywhere
    w[:, 0] *= 0.05
    problem = GroupingProblem.from_size_range(w, (5, 5))
    base = solve(problem, rounds=6, seed=0, params=FAST).assignment

    def worst(a):
        return min(
            np.mean([w[i, j] for j in range(n) if a[j] == a[i] and j != i]) for i in range(n)
        )

    fair = fair_improve(problem, base, fairness=0.8, rounds=5, seed=0)
    assert problem.violations(fair) == []
    assert worst(fair) >= worst(base) - 1e-9


def test_sparse_weights_give_feasible_groups_close_to_dense():
    from scipy import sparse

    w = random_weights(48, seed=13)
    dense = GroupingProblem.from_size_range(w, (4, 6))
    sp = GroupingProblem.from_size_range(sparse.csr_array(w), (4, 6))
    a = solve(dense, rounds=6, seed=0, params=FAST)
    b = solve(sp, rounds=30, seed=0, params=FAST)
    assert sp.violations(b.assignment) == []
    assert b.objective >= 0.97 * a.objective


def test_sparse_strict_members_only_meet_their_stored_neighbours():
    from scipy import sparse

    n = 40
    rng = np.random.default_rng(14)
    # four cliques of 10; strict members (the first of each clique) may only stay inside theirs
    w = np.zeros((n, n))
    for c in range(4):
        idx = np.arange(10 * c, 10 * c + 10)
        w[np.ix_(idx, idx)] = rng.uniform(1, 2, (10, 10))
    w = np.triu(w, 1)
    w = w + w.T
    w[w == 0] = 0.0
    strict = np.zeros(n, dtype=bool)
    strict[::10] = True
    problem = GroupingProblem.from_size_range(sparse.csr_array(w), (4, 6), strict=strict)
    best = solve(problem, rounds=20, seed=1, params=FAST)
    assert best.conflicts == 0 and problem.violations(best.assignment) == []


def test_strict_needs_sparse_weights():
    from matcher.errors import ValidationError

    with pytest.raises(ValidationError, match="sparse"):
        GroupingProblem(random_weights(4, seed=1), [2, 2], [2, 2], strict=[True, False, False, False])
