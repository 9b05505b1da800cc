"""Tests of matcher/samples/questionnaire.py: a seeded, clearly simulated programme whose effects the analysis recovers."""

from __future__ import annotations

import pytest

from matcher.errors import ParameterError
from matcher.programme.outcomes import outcome_report
from matcher.samples.generate import generate_teachers
from matcher.samples.questionnaire import DEFAULT_EFFECTS, simulate_questionnaire


@pytest.fixture(scope="module")
def profiles():
    return generate_teachers(300, seed=11)


def test_same_seed_same_answers_and_labelled_simulated(profiles):
    a = simulate_questionnaire(profiles[:40], seed=5)
    b = simulate_questionnaire(profiles[:40], seed=5)
    assert a.simulated and a.answers.equals(b.answers) and a.members.equals(b.members)
    assert not a.answers.equals(simulate_questionnaire(profiles[:40], seed=6).answers)
    assert a.answers["rating"].between(1, 5).all()


def test_the_analysis_recovers_the_simulated_direction_of_change(profiles):
    sim = simulate_questionnaire(profiles, seed=3)
    s = outcome_report(sim.answers, sim.contexts, sim.members).summary.set_index(["context", "measure"])
    for measure in ("challenges", "isolation", "connection"):
        assert s.loc[("all", measure), "ci_low"] > 0  # every invented effect is positive
    # departments of one gain most on isolation (+0.4 extra): their mean change is above the others'
    assert s.loc[("department_of_one", "isolation"), "change"] > s.loc[("all", "isolation"), "change"]


def test_no_effect_means_intervals_around_zero(profiles):
    sim = simulate_questionnaire(profiles, seed=4, effects={})
    s = outcome_report(sim.answers, sim.contexts, sim.members).summary.set_index(["context", "measure"])
    assert s.loc[("all", "connection"), "ci_low"] < 0.15 and s.loc[("all", "connection"), "ci_high"] > -0.15
    assert DEFAULT_EFFECTS["all"]["connection"] > 0


def test_response_rates_follow_the_probabilities(profiles):
    sim = simulate_questionnaire(profiles, seed=2, participation=1.0, before_rate=1.0, after_rate=0.5)
    rates = outcome_report(sim.answers, sim.contexts, sim.members).rates
    assert (rates["before_rate"] == 1.0).all() and rates["after_rate"].between(0.4, 0.6).all()
    with pytest.raises(ParameterError):
        simulate_questionnaire(profiles, after_rate=1.5)
