"""Tests for matcher/cohorts/exact.py: CP-SAT optimum and bounds against brute force and search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.cohorts.exact import relaxation_bound, solve_exact
from matcher.cohorts.problem import GroupingProblem
from matcher.cohorts.search import SearchParams, solve
from matcher.errors import InfeasibleError, ParameterError

from .conftest import brute_force, random_weights


@settings(max_examples=12, deadline=None)
@given(n=st.integers(3, 8), seed=st.integers(0, 10_000), negative=st.booleans())
def test_cp_sat_matches_brute_force(n, seed, negative):
    w = np.round(random_weights(n, seed, low=-5.0 if negative else 0.0), 3)
    problem = GroupingProblem(w, [1, 1], [n - 1, n - 1])
    result = solve_exact(problem, seconds=10)
    optimum, _ = brute_force(problem)
    assert result.optimal
    assert result.objective == pytest.approx(optimum, abs=1e-6)
    assert result.bound >= optimum - 1e-6


def test_exact_respects_constraints():
    w = np.round(random_weights(9, seed=1), 3)
    allowed = np.ones((9, 9), dtype=bool)
    allowed[0, 1] = allowed[1, 0] = False
    problem = GroupingProblem(w, [3, 3, 3], [3, 3, 3], allowed=allowed, keep_together=[(2, 3)], locked={2: (6, 7, 8)})
    result = solve_exact(problem, seconds=10)
    assert result.optimal and problem.violations(result.assignment) == []
    optimum, _ = brute_force(problem)
    assert result.objective == pytest.approx(optimum)


def test_exact_proves_infeasibility():
    allowed = np.zeros((4, 4), dtype=bool)
    np.fill_diagonal(allowed, True)
    problem = GroupingProblem(random_weights(4, seed=2), [2, 2], [2, 2], allowed=allowed)
    with pytest.raises(InfeasibleError):
        solve_exact(problem, seconds=5)


def test_search_finds_the_cp_sat_optimum_on_eleven_members():
    w = np.round(random_weights(11, seed=3), 3)
    problem = GroupingProblem(w, [3, 4, 3], [4, 5, 4])
    exact = solve_exact(problem, seconds=30)
    assert exact.optimal
    found = solve(problem, rounds=20, seed=0, params=SearchParams(population=10, threads=1))
    assert found.objective == pytest.approx(exact.objective, abs=1e-6)


@given(n=st.integers(2, 30), seed=st.integers(0, 10_000), size=st.integers(2, 6))
def test_relaxation_bound_is_above_any_grouping(n, seed, size):
    w = random_weights(n, seed, low=-3.0)
    m = -(-n // size)
    problem = GroupingProblem(w, [0] * m, [size] * m)
    a = np.arange(n) % m
    assert relaxation_bound(problem) >= problem.objective(a) - 1e-9


def test_exact_refuses_large_problems():
    problem = GroupingProblem.from_size_range(random_weights(80, seed=4), (4, 6))
    with pytest.raises(ParameterError, match="small problems"):
        solve_exact(problem)
