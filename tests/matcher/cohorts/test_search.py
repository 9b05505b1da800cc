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
from matcher.errors import InfeasibleError, ParameterError

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
    from matcher.cohorts.mdgplib import read_mdgplib

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
    with pytest.raises(ParameterError, match="time limit"):
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


class _Worded:
    """A pair explainer whose sentences do not say "share" (as PairRules' do not: "... were groupmates before")."""

    def group_sentences(self, pairs):
        return [f"#{i} and #{j} are on the keep-apart list" for i, j in pairs]

    def counts(self, pairs):
        return {"keep_apart": len(pairs)}


def test_impossible_keep_apart_names_a_pair_in_the_rules_words():
    allowed = np.ones((6, 6), dtype=bool)
    allowed[:4, :4] = np.eye(4, dtype=bool)
    problem = GroupingProblem(random_weights(6, seed=8), [3, 3], [3, 3], allowed=allowed, rules=_Worded())
    with pytest.raises(InfeasibleError, match=r"\(e\.g\. group \d: #\d and #\d are on the keep-apart list; \d pair"):
        solve(problem, rounds=3, params=FAST)  # the example was empty when the rules' words lacked "share"


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


def _clusters(n_clusters: int, size: int, seed: int):
    """Members in clusters 111 km apart; random weights across all pairs tempt mixing."""
    from matcher.places.meeting import MeetingRange

    rng = np.random.default_rng(seed)
    n = n_clusters * size
    w = np.triu(rng.uniform(1, 2, (n, n)), 1)
    w = w + w.T
    cluster = np.repeat(np.arange(n_clusters), size)
    lat = 51.0 + cluster + rng.uniform(0, 0.01, n)
    lon = rng.uniform(-0.01, 0.0, n)
    strict = np.zeros(n, dtype=bool)
    strict[::size] = True  # the first of each cluster meets only in person
    reach = np.where(np.arange(n) % size == 1, -1.0, 5.0)  # the second only online
    return w, cluster, MeetingRange(lat, lon, reach, strict)


@pytest.mark.parametrize("as_sparse", [True, False])
def test_in_person_members_only_share_a_group_with_members_in_reach(as_sparse):
    from scipy import sparse

    w, cluster, where = _clusters(4, 10, seed=14)
    problem = GroupingProblem.from_size_range(sparse.csr_array(w) if as_sparse else w, (4, 6), meeting=where)
    best = solve(problem, rounds=20, seed=1, params=FAST)
    assert best.conflicts == 0 and problem.violations(best.assignment) == []
    a = best.assignment
    for x in np.flatnonzero(where.in_person_only):
        mates = np.flatnonzero(a == a[x])
        assert set(cluster[mates]) == {cluster[x]}  # nobody from 111 km away
        assert not np.any(where.reach_km[mates] < 0)  # nobody who meets only online


def test_broken_meeting_pairs_are_reported_in_plain_words():
    from scipy import sparse

    w, cluster, where = _clusters(2, 6, seed=3)
    problem = GroupingProblem.from_size_range(sparse.csr_array(w), (6, 6), meeting=where)
    mixed = np.array([0, 1] * 6)  # alternate members between the two groups: clusters mixed
    broken = problem.broken_pairs(mixed)
    assert len(broken) > 0 and all(where.in_person_only[i] or where.in_person_only[j] for i, j in broken)
    assert any("cannot meet in person" in v for v in problem.violations(mixed))
    assert problem.broken_pairs(cluster).tolist() == [[0, 1], [6, 7]]  # online-only with in-person-only


def test_partner_counts_follow_the_meeting_range():
    from scipy import sparse

    w, cluster, where = _clusters(3, 5, seed=2)
    dense = GroupingProblem.from_size_range(w, (5, 5), meeting=where, forbidden=[[2, 3]])
    sp = GroupingProblem.from_size_range(sparse.csr_array(w), (5, 5), meeting=where, forbidden=[[2, 3]])
    # brute force: may i and j share a group?
    n = len(cluster)
    ok = np.array([[i != j and where.can_meet([i], [j])[0] and {i, j} != {2, 3} for j in range(n)] for i in range(n)])
    assert sp.partner_counts().tolist() == dense.partner_counts().tolist() == ok.sum(axis=1).tolist()
    keep = np.arange(n) % 2 == 0
    assert sp.partner_counts(keep).tolist() == (ok & keep[None, :]).sum(axis=1).tolist()


def test_a_member_nobody_can_reach_is_named():
    from scipy import sparse

    from matcher.errors import InfeasibleError

    w, cluster, where = _clusters(1, 8, seed=4)
    from matcher.places.meeting import MeetingRange

    lat = where.lat.copy()
    lat[0] = 55.0  # the in-person-only member moves 400 km north
    far = MeetingRange(lat, where.lon, where.reach_km, where.in_person_only)
    problem = GroupingProblem.from_size_range(sparse.csr_array(w), (4, 4), meeting=far, labels=[f"t{i}" for i in range(8)])
    with pytest.raises(InfeasibleError, match="t0 may share a group with only 0"):
        problem.validate()


def test_a_keep_together_set_inside_a_locked_group_does_not_split_another_set():
    # (8, 9) sits in locked group 3; (6, 7) is free and 7 is the last free member
    w = random_weights(12, seed=21)
    w[6, 7] = w[7, 6] = -100.0  # they would rather be apart: only the rule keeps them together
    problem = GroupingProblem(w, [4, 4, 4], [4, 4, 4], keep_together=[(6, 7), (8, 9)], locked={2: (8, 9, 10, 11)})
    best = solve(problem, rounds=5, seed=0, params=FAST)
    assert problem.violations(best.assignment) == []
    assert best.assignment[6] == best.assignment[7]
    # and it is the best split of the eight free members (brute force over group 1's members)
    import itertools

    optimum = -np.inf
    for first in itertools.combinations(range(8), 4):
        a = np.array([0 if i in first else 1 for i in range(8)] + [2] * 4)
        if a[6] == a[7]:
            optimum = max(optimum, problem.objective(a))
    assert best.objective == pytest.approx(optimum)


def test_a_preferred_group_needs_dense_weights():
    from scipy import sparse

    problem = GroupingProblem.from_size_range(sparse.csr_array(random_weights(8, seed=2)), (4, 4))
    with pytest.raises(ParameterError, match="dense weights"):
        solve(problem, rounds=1, prefer=np.zeros(8, dtype=np.int64), stay_bonus=0.5)


def test_the_failure_names_a_broken_pair_and_its_rule():
    """Regression: "(e.g. ; 1 pair(s) in all)" when the rule's words did not contain "share"."""
    from matcher.cohorts.rules import PairRules
    from matcher.profiles.teacher import Cohort, TeacherProfile

    people = [("f", "Fergus", 100049, "online"), ("s", "Sanjay", 100050, "in_person"), ("g", "Gareth", 100051, "in_person"), ("h", "Hana", 100052, "either")]
    cohort = Cohort.from_profiles([TeacherProfile(id=k, name=n, school_urn=u, meeting_mode=m) for k, n, u, m in people])
    # Fergus, Sanjay and Gareth may each only pair with Hana: two pairs of two cannot keep them apart
    problem = GroupingProblem.from_size_range(
        np.zeros((4, 4)), (2, 2), forbidden=np.array([[0, 1], [0, 2], [1, 2]]), rules=PairRules(cohort, (("s", "g"),))
    )
    with pytest.raises(InfeasibleError) as caught:
        solve(problem, rounds=2)
    message = str(caught.value)
    assert "e.g. ;" not in message and "1 pair(s) in all" in message
    assert "(e.g. group " in message and ("online only" in message or "keep-apart list" in message)
