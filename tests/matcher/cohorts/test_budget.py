"""Tests for matcher/cohorts/budget.py: one time budget, shared out by phase."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher.cohorts.groups as groups_module
from matcher.cohorts.budget import Budget
from matcher.cohorts.groups import form_groups
from matcher.errors import ParameterError


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.floats(0.0, 100.0),
    steps=st.lists(st.tuples(st.sampled_from(["share", "less", "at_most"]), st.floats(0.0, 1.0)), min_size=1, max_size=6),
)
def test_a_share_never_outlasts_its_parent(seconds, steps):
    budget = Budget.of(seconds)
    for kind, x in steps:
        left = budget.remaining()
        child = budget.share(x) if kind == "share" else getattr(budget, kind)(x * 50)
        assert child.deadline <= budget.deadline
        assert child.seconds <= left
        budget = child


def test_an_unlimited_budget_has_unlimited_shares_and_never_expires():
    run = Budget.of(None)
    assert run.share(0.3).unlimited and run.less(5).unlimited and not run.expired()
    assert run.at_most(2.0).seconds == 2.0
    assert run.remaining() is None and run.used() == 0.0


def test_a_budget_runs_out():
    run = Budget.of(0.05)
    assert not run.expired() and 0 < run.remaining() <= 0.05
    time.sleep(0.06)
    assert run.expired() and run.remaining() == 0.0 and run.used() >= 1.0
    assert run.share(0.5).seconds == 0.0


def test_bad_fractions_and_double_limits_are_option_errors():
    with pytest.raises(ParameterError, match="fraction"):
        Budget.of(1.0).share(1.5)
    with pytest.raises(ParameterError, match="not both"):
        Budget.given(3.0, Budget.of(1.0))
    assert Budget.given(None, None, deadline=time.monotonic() + 1).seconds <= 1.0


def test_form_groups_returns_within_its_time_limit(small_cohort):
    cohort = small_cohort
    form_groups(cohort, size=(4, 6), rounds=1, seconds=None)  # compiled kernels loaded
    for seconds in (0.3, 1.0):
        t = time.monotonic()
        result = form_groups(cohort, size=(4, 6), seconds=seconds, fairness=0.3)
        took = time.monotonic() - t
        assert took <= seconds + 0.35, took
        assert result.figures.seconds <= took


def test_every_phase_gets_a_share_of_one_budget(monkeypatch, small_cohort):
    seen = {}
    real_solve, real_fair = groups_module.solve, groups_module.fair_improve

    def solve(problem, **kw):
        seen["search"] = (kw["budget"], kw.get("seconds"))
        return real_solve(problem, **kw)

    def fair_improve(problem, assignment, **kw):
        seen["fair"] = (kw["budget"], kw.get("seconds"))
        return real_fair(problem, assignment, **kw)

    monkeypatch.setattr(groups_module, "solve", solve)
    monkeypatch.setattr(groups_module, "fair_improve", fair_improve)
    started = time.monotonic()
    form_groups(small_cohort, size=(4, 6), seconds=2.0, fairness=0.5)
    search, fair = seen["search"][0], seen["fair"][0]
    assert seen["search"][1] is None and seen["fair"][1] is None  # budgets, not seconds re-derived
    assert search.seconds <= 2.0 * (1 - groups_module.FAIR_SHARE)  # the search's share
    assert search.deadline < fair.deadline <= started + 2.0  # re-balancing gets the rest, within the limit


def test_sparse_runs_share_one_budget_between_search_and_polishing(monkeypatch, small_cohort):
    from matcher.cohorts.sparse_affinity import sparse_affinity

    affinity = sparse_affinity(small_cohort, k=8)
    form_groups(small_cohort, size=(4, 6), rounds=1, seconds=None, affinity=affinity)  # compiled kernels loaded
    seen = {}
    real_solve, real_polish = groups_module.solve, groups_module.polish_by_blocks

    def solve(problem, **kw):
        seen.setdefault("search", kw["budget"])
        return real_solve(problem, **kw)

    def polish_by_blocks(*args, **kw):
        seen["polish"] = kw["budget"]
        return real_polish(*args, **kw)

    monkeypatch.setattr(groups_module, "solve", solve)
    monkeypatch.setattr(groups_module, "polish_by_blocks", polish_by_blocks)
    started = time.monotonic()
    form_groups(small_cohort, size=(4, 6), seconds=1.5, affinity=affinity)
    search, polish = seen["search"], seen["polish"]
    assert search.seconds <= 1.5 * groups_module.SPARSE_SEARCH_SHARE  # a short global search ...
    assert search.deadline <= polish.start and polish.deadline <= started + 1.5  # ... then polishing, within the limit
