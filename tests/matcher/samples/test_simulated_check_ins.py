"""Tests for matcher/samples/check_ins.py: the SIMULATED check-in answers."""

from __future__ import annotations

import numpy as np
import pytest

import matcher
from matcher.samples.check_ins import simulate_check_ins, true_usefulness


@pytest.fixture(scope="module")
def cohort():
    return matcher.Cohort.from_profiles(matcher.generate_teachers(100, seed=5))


def chunks(ids, size=5):
    return [tuple(ids[k : k + size]) for k in range(0, len(ids), size)]


def test_about_forty_percent_do_not_answer_and_ratings_are_one_to_five(cohort):
    groups = chunks(cohort.ids)
    answers = simulate_check_ins(cohort, groups, matcher.AffinityWeights(), meetings=4, seed=2)
    asked = len(cohort) * 4
    assert 0.5 < len(answers) / asked < 0.7
    assert {a.useful for a in answers} - {None} <= {1, 2, 3, 4, 5}
    assert all(a.useful is None for a in answers if a.met is False)
    assert {a.group for a in answers} <= {f"group {g + 1}" for g in range(len(groups))}


def test_same_seed_same_answers(cohort):
    groups = chunks(cohort.ids)
    assert simulate_check_ins(cohort, groups, matcher.AffinityWeights(), seed=3) == simulate_check_ins(cohort, groups, matcher.AffinityWeights(), seed=3)


def test_true_usefulness_follows_the_true_weights_not_the_grouping(cohort):
    formed = [g.members for g in matcher.form_groups(cohort, seconds=None, rounds=2, seed=0, unplaceable="skip").groups]
    random = chunks([cohort.ids[k] for k in np.random.default_rng(0).permutation(len(cohort))])
    w = matcher.AffinityWeights()
    assert true_usefulness(cohort, formed, w).mean() > true_usefulness(cohort, random, w).mean()
    # the scale is fixed by the cohort and the truth: one group scores the same alone or among others
    assert true_usefulness(cohort, formed[:1], w).tolist() == true_usefulness(cohort, formed, w)[: len(formed[0])].tolist()
