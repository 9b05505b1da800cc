"""Tests for matcher/cohorts/problem.py: sizes, validation messages, objective, MDGPLIB files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.cohorts.mdgplib import read_mdgplib, write_assignment
from matcher.cohorts.problem import GroupingProblem, parse_size_range, plan_group_count
from matcher.errors import InfeasibleError, ParameterError, ValidationError

from .conftest import random_weights


@given(n=st.integers(1, 400), lo=st.integers(1, 8), extra=st.integers(0, 4))
def test_plan_group_count_is_feasible_or_explains(n, lo, extra):
    hi = lo + extra
    try:
        m = plan_group_count(n, (lo, hi), noun="teachers")
    except InfeasibleError as exc:
        assert not any(k * lo <= n <= k * hi for k in range(1, n + 1))
        assert str(exc).startswith(f"{n} teachers cannot be split into groups of")
    else:
        assert m * lo <= n <= m * hi


def test_seven_people_in_fours_says_why():
    with pytest.raises(InfeasibleError, match="7 teachers cannot be split into groups of exactly 4: 4 leaves 3 over"):
        GroupingProblem.from_size_range(np.zeros((7, 7)), "4-4", noun="teachers")


def test_group_count_targets_the_middle_of_the_range():
    assert plan_group_count(30, (4, 6)) == 6  # mean size 5
    assert plan_group_count(30, (3, 3)) == 10


@pytest.mark.parametrize("text", ["x", "1-2-3", "0-3", "5-4", ""])
def test_parse_size_range_rejects_nonsense(text):
    with pytest.raises(ParameterError, match="group size range") as info:
        parse_size_range(text)
    assert info.value.issues[0].field == "size"


def test_parse_size_range_accepts_an_en_dash():
    assert parse_size_range("3–5") == (3, 5)


def test_objective_counts_each_pair_once():
    w = random_weights(9, seed=1)
    problem = GroupingProblem.from_size_range(w, (3, 3))
    a = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    expected = sum(w[i, j] for i in range(9) for j in range(i + 1, 9) if a[i] == a[j])
    assert problem.objective(a) == pytest.approx(expected)


def test_weights_must_be_symmetric_and_finite():
    w = random_weights(4, seed=2)
    w[0, 1] += 1
    with pytest.raises(ValidationError, match="symmetric"):
        GroupingProblem(w, [2, 2], [2, 2])
    w = random_weights(4, seed=2)
    w[0, 1] = w[1, 0] = np.nan
    with pytest.raises(ValidationError, match="NaN"):
        GroupingProblem(w, [2, 2], [2, 2])


def test_inputs_are_copied_and_read_only():
    w = random_weights(4, seed=3)
    problem = GroupingProblem(w, [2, 2], [2, 2])
    w[0, 1] = 999
    assert problem.weights[0, 1] != 999
    with pytest.raises(ValueError):
        problem.weights[0, 1] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(lower=[3, 3], upper=[3, 3]), "need at least 6 people in all, but there are only 4"),
        (dict(lower=[1, 1], upper=[1, 1]), "hold at most 2 people in all, but there are 4"),
        (dict(lower=[3, 1], upper=[2, 3]), "group 1: smallest size 3 exceeds largest size 2"),
        (dict(lower=[1, 1], upper=[3, 3], keep_together=[(0, 1, 2, 3)]), "4 people must stay together"),
        (dict(lower=[2, 2], upper=[2, 2], locked=[(0, 1, 2)]), "locked group 1 has 3 members"),
        (dict(lower=[2, 2], upper=[2, 2], locked={5: (0, 1)}), "locked group 6 does not exist"),
        (dict(lower=[2, 2], upper=[2, 2], locked=[(0, 1), (1, 2)]), "#1 is in two locked groups"),
        (dict(lower=[2, 2], upper=[2, 2], locked=[(0, 1)], keep_together=[(1, 2)]), "a locked group holds only some"),
        (dict(lower=[1, 1], upper=[3, 2], locked=[(0,)]), "besides the locked groups there are 3 people for 1 groups"),
    ],
)
def test_validate_names_the_impossible_constraint(kwargs, message):
    problem = GroupingProblem(random_weights(4, seed=4), **kwargs)
    with pytest.raises(InfeasibleError, match=message):
        problem.validate()


def test_keep_together_pair_that_is_forbidden_is_reported_by_name():
    allowed = np.ones((4, 4), dtype=bool)
    allowed[0, 1] = allowed[1, 0] = False
    problem = GroupingProblem(
        random_weights(4, seed=5), [2, 2], [2, 2], allowed=allowed, keep_together=[(0, 1)], labels=("Ann", "Bo", "Cy", "Di")
    )
    with pytest.raises(InfeasibleError, match="Ann and Bo must stay together but may not share a group"):
        problem.validate()


def test_a_member_with_too_few_allowed_partners_is_named():
    allowed = np.ones((6, 6), dtype=bool)
    allowed[0, 1:] = allowed[1:, 0] = False
    allowed[0, 1] = allowed[1, 0] = True
    problem = GroupingProblem(random_weights(6, seed=6), [3, 3], [3, 3], allowed=allowed, labels=tuple("ABCDEF"))
    with pytest.raises(InfeasibleError, match="A may share a group with only 1 of the others, but every group needs at least 3"):
        problem.validate()


def test_overlapping_keep_together_sets_merge():
    problem = GroupingProblem(random_weights(6, seed=7), [3, 3], [3, 3], keep_together=[(0, 1), (1, 2), (4, 5), (5,)])
    assert problem.blocks == ((0, 1, 2), (4, 5))


def test_violations_list_every_broken_rule():
    allowed = np.ones((4, 4), dtype=bool)
    allowed[0, 1] = allowed[1, 0] = False
    problem = GroupingProblem(
        random_weights(4, seed=8), [2, 2], [2, 2], allowed=allowed, keep_together=[(2, 3)], locked={1: (2, 3)}
    )
    assert problem.violations([0, 1, 1, 0]) != []
    assert any("may not share" in v for v in problem.violations([0, 0, 1, 1]))
    assert problem.violations([0, 1, 0, 1]) == [] or "locked" in " ".join(problem.violations([0, 1, 0, 1]))
    assert problem.violations([1, 0, 1, 1]) != []  # sizes and the locked group


def test_forbidden_pairs_merge_allowed_mask_and_list():
    allowed = np.ones((5, 5), dtype=bool)
    allowed[0, 3] = allowed[3, 0] = False
    problem = GroupingProblem(random_weights(5, seed=9), [2, 3], [2, 3], allowed=allowed, forbidden=[(4, 1), (1, 4)])
    assert problem.forbidden_pairs().tolist() == [[0, 3], [1, 4]]
    assert problem.active_constraints() == 2


def test_mdgplib_round_trip(tmp_path):
    w = np.round(random_weights(6, seed=10), 3)
    lines = ["6 2 ds 2 4 2 4"] + [f"{i} {j} {w[i, j]:.3f}" for i in range(6) for j in range(i + 1, 6)]
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(lines) + "\n")
    problem = read_mdgplib(path)
    assert (problem.n, problem.m) == (6, 2)
    assert problem.lower.tolist() == [2, 2] and problem.upper.tolist() == [4, 4]
    assert np.allclose(problem.weights, w)
    out = tmp_path / "tiny.sol"
    write_assignment(out, [0, 1, 0, 1, 0, 1])
    assert out.read_text().split() == ["0", "1", "0", "1", "0", "1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("6 2 ds 2 4\n", "expected 4 size bounds"), ("six\n", "first line"), ("3 1 ss 3 3\n0 1\n", "triples"), ("3 1 ss 3 3\n0 7 1.0\n", "0..2")],
)
def test_mdgplib_errors_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValidationError, match=f"bad.txt: .*{message}"):
        read_mdgplib(path)


@settings(max_examples=25)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_sparse_and_dense_objectives_agree(n, seed):
    from scipy import sparse

    w = random_weights(n, seed)
    a = np.random.default_rng(seed).integers(0, 3, n)
    dense = GroupingProblem(w, [0, 0, 0], [n, n, n])
    sp = GroupingProblem(sparse.csr_array(w), [0, 0, 0], [n, n, n])
    assert dense.objective(a) == pytest.approx(sp.objective(a))
