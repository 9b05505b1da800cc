"""Tests for matcher/learning/learn.py (and the features and model it uses), on SIMULATED check-ins."""

from __future__ import annotations

import math

import numpy as np
import pytest

import matcher
from matcher.errors import MatcherError, ValidationError
from matcher.learning import (
    CheckInOutcome,
    LearnedWeights,
    NotEnoughAnswersError,
    ShrunkNonNegativeRegression,
    answer_table,
    cosine_similarity,
    effective_weights,
    learn_weights,
)
from matcher.samples.check_ins import simulate_check_ins

DEFAULT = matcher.AffinityWeights()
HIDDEN = matcher.AffinityWeights(complementarity=0.1, interests=0.5, context=0.05, practicality=0.35, one_way=0.6)


@pytest.fixture(scope="module")
def cohort():
    return matcher.Cohort.from_profiles(matcher.generate_teachers(240, seed=4))


def random_groups(cohort, seed, size=5):
    order = np.random.default_rng(seed).permutation(len(cohort))
    ids = [cohort.ids[k] for k in order]
    return [tuple(ids[k : k + size]) for k in range(0, len(ids), size)]


def answers_for(cohort, truth, rounds, *, meetings=3, seed=0, noise=0.5):
    out = []
    for r in range(rounds):
        groups = random_groups(cohort, seed + r)
        out += simulate_check_ins(cohort, groups, truth, meetings=meetings, noise=noise, label=f"round {r} ", seed=seed + r)
    return out


@pytest.fixture(scope="module")
def hidden_result(cohort):
    return learn_weights(cohort, answers_for(cohort, HIDDEN, 3), seed=1)


def test_recovers_hidden_weights_with_enough_answers(hidden_result):
    assert cosine_similarity(DEFAULT, HIDDEN) < 0.7  # the truth is unlike the defaults...
    assert cosine_similarity(hidden_result.learned, HIDDEN) >= 0.9  # ...and learning finds it
    assert hidden_result.better
    assert hidden_result.learned_score > hidden_result.current_score
    assert hidden_result.chosen == hidden_result.learned
    assert hidden_result.change["interests"] > 0 > hidden_result.change["complementarity"]


def test_learned_weights_keep_the_scale_priority_and_are_non_negative(hidden_result):
    w = hidden_result.learned
    assert w.complementarity + w.interests + w.context + w.practicality == pytest.approx(1.0, abs=1e-5)
    assert w.priority == DEFAULT.priority  # the boost for isolated teachers is policy, not learned
    assert all(getattr(w, name) >= 0 for name in ("complementarity", "interests", "context", "practicality", "one_way"))
    assert w.one_way < 1


def test_shrinks_toward_current_weights_with_little_data(cohort, hidden_result):
    few = answers_for(cohort, HIDDEN, 1, meetings=1, seed=7)[:80]
    small = learn_weights(cohort, few, seed=1)
    assert small.n_answers < 80
    distance = lambda w: float(np.linalg.norm(effective_weights(w) - effective_weights(DEFAULT)))  # noqa: E731
    assert distance(small.learned) < distance(hidden_result.learned)
    assert not small.better and small.chosen == DEFAULT


def test_truth_equal_to_default_is_not_reported_better(cohort):
    result = learn_weights(cohort, answers_for(cohort, DEFAULT, 2, seed=11), seed=1)
    assert not result.better
    assert result.chosen == DEFAULT


def test_refuses_too_few_answers_saying_how_many_are_needed(cohort):
    few = answers_for(cohort, HIDDEN, 1, meetings=1)[:20]
    with pytest.raises(NotEnoughAnswersError, match="needs at least 60 usable check-in answers from at least 10 groups") as caught:
        learn_weights(cohort, few)
    assert isinstance(caught.value, MatcherError)
    assert caught.value.needed == {"answers": 60, "groups": 10}
    assert caught.value.have["answers"] <= 20


def test_missing_ratings_are_not_zeros_and_unmet_meetings_count_as_lowest(cohort):
    group = cohort.ids[:4]
    answers = [
        CheckInOutcome(group[0], group, met=True, useful=5),
        CheckInOutcome(group[1], group, met=True, useful=None),  # answered, no rating: skipped
        CheckInOutcome(group[2], group, met=None, useful=None),  # rescheduled: skipped
        CheckInOutcome(group[3], group, met=False, useful=None),  # did not meet: the lowest rating
    ]
    table = answer_table(cohort, answers)
    assert table.y.tolist() == [5.0, 1.0]
    assert table.skipped == 2
    assert answer_table(cohort, answers, unmet_as=None).y.tolist() == [5.0]


def test_features_times_effective_weights_are_the_members_affinity(cohort):
    group = cohort.ids[:5]
    table = answer_table(cohort, [CheckInOutcome(group[0], group, met=True, useful=3)])
    rows = cohort.rows(group)
    pairs = matcher.score_pairs(matcher.teacher_arrays(cohort), np.full(4, rows[0]), rows[1:])
    assert float(table.X[0] @ effective_weights(DEFAULT)) == pytest.approx(float(pairs.total.mean()), rel=1e-6)


def test_bad_answers_are_all_reported(cohort):
    group = cohort.ids[:3]
    bad = [CheckInOutcome("nobody", group, useful=3), CheckInOutcome(group[0], group, useful=9), CheckInOutcome(group[0], (group[0],), useful=3)]
    with pytest.raises(ValidationError) as caught:
        answer_table(cohort, bad)
    assert [i.field for i in caught.value.issues] == ["outcomes[0]", "outcomes[1].useful", "outcomes[2].members"]


def test_model_weights_are_never_negative_even_when_the_signal_is_reversed():
    rng = np.random.default_rng(0)
    X = rng.random((300, 5))
    y = 5 - X.sum(axis=1) + rng.normal(0, 0.1, 300)
    model = ShrunkNonNegativeRegression(alpha=1e-4, prior=(1, 1, 1, 1, 1)).fit(X, y)
    assert (model.coef_ >= 0).all() and model.coef_.max() < 1e-9


def test_model_follows_the_scikit_learn_contract():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    model = ShrunkNonNegativeRegression(alpha=0.5, prior=(1.0, 2.0))
    assert clone(model).get_params() == {"alpha": 0.5, "prior": (1.0, 2.0)}
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 2)))
    assert model.fit(np.eye(4)[:, :2], np.arange(4.0)) is model


def test_record_round_trips_and_explains_itself(hidden_result):
    again = LearnedWeights.from_dict(hidden_result.to_dict())
    assert again == hidden_result
    sentence = hidden_result.sentence()
    assert f"{hidden_result.n_answers} check-in answers" in sentence and "more weight on interests" in sentence
    assert len(hidden_result.fold_differences) == 5 and not math.isnan(hidden_result.margin)



def test_model_passes_scikit_learns_estimator_checks():
    import warnings

    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(ShrunkNonNegativeRegression(), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []
