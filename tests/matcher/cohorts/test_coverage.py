"""Tests for matcher/cohorts/coverage.py and the coverage figures, reasons and group sizes of
form_groups: which way a challenge is met, and coverage against what is coverable."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.affinity.terms import AffinityOptions, pairwise_affinity
from matcher.cohorts.coverage import CoverageTally, group_coverage, uncoverable_challenges
from matcher.cohorts.balance import balanced_sizes
from matcher.cohorts.groups import form_groups
from matcher.profiles.teacher import Cohort, TeacherProfile
from matcher.profiles.themes import THEME_IDS

URNS = (100049, 100050, 100051, 100052, 100053, 100054)
themes = st.lists(st.sampled_from(THEME_IDS[:6] + ("professional_isolation", "department_of_one_workload")), max_size=3, unique=True).map(tuple)
members = st.lists(
    st.builds(TeacherProfile, id=st.just(""), name=st.just("X"), school_urn=st.just(URNS[0]),
              department_size=st.integers(1, 3), years_teaching=st.integers(0, 20), challenges=themes, strengths=themes),
    min_size=2, max_size=6,
).map(lambda ps: [p.with_changes(id=f"t-{k}") for k, p in enumerate(ps)])


@given(st.tuples(*[st.integers(0, 50)] * 4))
def test_coverage_of_coverable_never_exceeds_one(counts):
    tally = CoverageTally(*counts)
    assert 0.0 <= tally.of_coverable() <= 1.0
    if tally.total:  # with no challenges at all, "covered" is 1 (nothing left uncovered), the ways 0
        assert tally.share("covered") == pytest.approx(tally.share("strength") + tally.share("experience"))


@settings(max_examples=60, deadline=None)
@given(members, st.data())
def test_an_uncoverable_challenge_is_not_in_the_denominator(people, data):
    out_of_reach = [data.draw(st.lists(st.sampled_from(p.challenges), unique=True)) if p.challenges else [] for p in people]
    cov = group_coverage(people, out_of_reach)
    plain = group_coverage(people)
    t = cov.tally
    assert t.total == plain.tally.total == sum(len(p.challenges) for p in people)
    assert t.covered == plain.tally.covered  # covered stays covered, reachable or not
    assert t.uncoverable + t.uncovered == plain.tally.uncovered
    assert t.of_coverable() == (t.covered / (t.total - t.uncoverable) if t.total > t.uncoverable else 1.0)
    assert 0.0 <= t.of_coverable() <= 1.0 and t.of_coverable() >= t.share("covered")
    for theme in cov.uncoverable:
        assert theme not in cov.coverage


def _teacher(k, **kw):
    return TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=URNS[k], **kw)


def test_uncoverable_means_nobody_who_may_share_a_group_can_meet_it():
    people = [
        _teacher(0, challenges=("send", "singing")),
        _teacher(1, strengths=("send",)),
        _teacher(2, strengths=("singing",)),
        _teacher(3),
    ]
    cohort = Cohort.from_profiles(people)
    assert uncoverable_challenges(cohort, pairwise_affinity(cohort)) == {}
    apart = pairwise_affinity(cohort, options=AffinityOptions(keep_apart=(("t-0", "t-1"),)))
    assert uncoverable_challenges(cohort, apart) == {0: frozenset({"send"})}


def test_shared_experience_covers_a_circumstance_and_the_reasons_say_so():
    people = [
        _teacher(0, department_size=1, years_teaching=12, meeting_mode="online", strengths=("composition",),
                 challenges=("send",)),
        _teacher(1, department_size=1, years_teaching=1, meeting_mode="online",
                 challenges=("department_of_one_workload", "professional_isolation", "composition"), strengths=("send",)),
        _teacher(2, department_size=4, years_teaching=12, meeting_mode="online", challenges=("send",)),
    ]
    result = form_groups(Cohort.from_profiles(people), size=3, rounds=1)
    g = result.groups[0]
    assert dict(g.coverage_experience) == {"department_of_one_workload": ("t-0",), "professional_isolation": ("t-0",)}
    assert g.coverage["composition"] == ("t-0",) and g.coverage["send"] == ("t-1",) and g.uncovered == () and g.uncoverable == ()
    f = result.figures
    assert f.coverage_share == f.coverage_of_coverable == 1.0
    assert f.coverage_by_strength == pytest.approx(3 / 5) and f.coverage_by_experience == pytest.approx(2 / 5)
    text = " ".join(g.reasons)
    assert "Shared experience: T0 is a department of one with 12 years of teaching behind them" in text
    assert "T0 helps T1 with composition" in text


def test_figures_split_coverage_by_way_and_against_what_is_coverable(sample_cohort):
    f = form_groups(sample_cohort, size=(4, 6), rounds=2, seed=0).figures
    assert f.coverage_by_strength + f.coverage_by_experience == pytest.approx(f.coverage_share)
    assert f.coverage_by_experience > 0
    assert f.uncoverable > 0  # some challenges nobody within reach can meet
    assert f.coverage_share < f.coverage_of_coverable <= 1.0


def test_balanced_sizes_stay_within_one_of_the_mean():
    assert balanced_sizes(300, (3, 5)) == ((4, 4), 75)
    assert balanced_sizes(301, (3, 5)) == ((4, 5), 75)
    assert balanced_sizes(18, (4, 6), groups=3) == ((6, 6), 3)  # never outside the asked range
    assert balanced_sizes(20, (4, 6), groups=3) == ((4, 6), 3)  # infeasible: left for the problem to explain


def test_sizes_for_3_to_5_on_the_sample_are_mostly_fours(sample_cohort):
    # before the size term: 36 trios, 3 fours, 36 fives
    result = form_groups(sample_cohort, size="3-5", rounds=3, seed=0)
    sizes = Counter(g.size for g in result.groups)
    assert result.figures.size_balance == "term"
    assert sizes[4] >= 0.45 * len(result.groups) and sizes[4] > 1.5 * max(sizes[3], sizes[5])  # fours, mostly
    fair = form_groups(sample_cohort, size="3-5", rounds=3, seed=0, fairness=1.0)  # re-balancing keeps the sizes
    assert Counter(g.size for g in fair.groups)[4] >= 0.45 * len(fair.groups)
    off = form_groups(sample_cohort, size="3-5", rounds=3, seed=0, balance_sizes=False)
    assert off.figures.size_balance == "range" and Counter(g.size for g in off.groups)[4] < sizes[4]


def test_bounds_within_one_of_the_mean_on_request(sample_cohort):
    result = form_groups(sample_cohort, size="3-5", rounds=2, seed=0, balance_sizes="bounds")
    assert result.figures.size_balance == "bounds" and {g.size for g in result.groups} == {4}


def test_sparse_runs_do_not_balance_sizes_and_say_so(sample_cohort, monkeypatch):
    import matcher.cohorts.sparse_affinity as sparse_module

    monkeypatch.setattr(sparse_module, "DENSE_LIMIT", 100)
    result = form_groups(sample_cohort, size="3-5", rounds=2, seed=0, unplaceable="skip")
    assert result.problem.is_sparse and result.figures.size_balance == "range"
