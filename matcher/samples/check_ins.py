"""Simulated check-ins: what members might answer after meeting, under hidden "true" weights.

SIMULATED DATA, for benchmarks and tests of :func:`matcher.learning.learn_weights`; no real
teacher answered these. A member's true usefulness of their group is a fixed linear
function of their mean affinity to the groupmates scored with ``true_weights``
(:func:`true_usefulness`, on the 1-5 scale of a check-in: a poor random pair (the tenth percentile) of the
cohort scores 1, the best pair in a thousand 5); an answer is that plus noise,
rounded and clipped to 1-5. Whether a group met is drawn per group and meeting; each
member answers with probability ``response`` (default 60 %: 40 % non-response), and a few
who answer "we met" skip the rating.

Examples
--------
>>> import matcher
>>> cohort = matcher.Cohort.from_profiles(matcher.generate_teachers(20, seed=3))
>>> groups = [cohort.ids[:5], cohort.ids[5:10]]
>>> answers = simulate_check_ins(cohort, groups, matcher.AffinityWeights(), meetings=2, seed=0)
>>> all(a.useful is None or 1 <= a.useful <= 5 for a in answers), len(answers) < 20
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..affinity.arrays import teacher_arrays
from ..affinity.terms import AffinityWeights, score_pairs
from ..learning.features import CheckInOutcome
from ..profiles.teacher import Cohort

__all__ = ["simulate_check_ins", "true_usefulness", "CALIBRATION"]

#: Percentiles of the true affinity of random pairs that score 1 and 5.
CALIBRATION = (10.0, 99.9)
_CALIBRATION_PAIRS = 20000


def _calibration(cohort: Cohort, true_weights: AffinityWeights) -> tuple[float, float]:
    """The true pair scores that rate 1 and 5 (:data:`CALIBRATION` percentiles over random pairs,
    fixed seed), so that the usefulness scale depends on the cohort and the truth, never on
    the grouping."""
    arrays = teacher_arrays(cohort)
    rng = np.random.default_rng(12345)
    i = rng.integers(0, arrays.n, _CALIBRATION_PAIRS)
    j = (i + rng.integers(1, max(arrays.n, 2), _CALIBRATION_PAIRS)) % arrays.n
    total = score_pairs(arrays, i, j, true_weights).total
    low, high = np.percentile(total, CALIBRATION)
    return float(low), float(max(high - low, 1e-9))


def true_usefulness(cohort: Cohort, groups: Sequence[Sequence[str]], true_weights: AffinityWeights) -> np.ndarray:
    """Each member's expected usefulness (1-5) of their group under ``true_weights``, in the
    order of ``groups`` then members (single-member groups score 1).

    >>> import matcher
    >>> cohort = matcher.Cohort.from_profiles(matcher.generate_teachers(12, seed=3))
    >>> u = true_usefulness(cohort, [cohort.ids[:4], cohort.ids[4:8]], matcher.AffinityWeights())
    >>> u.shape, bool(((u >= 1) & (u <= 5)).all())
    ((8,), True)
    """
    arrays = teacher_arrays(cohort)
    low, span = _calibration(cohort, true_weights)
    rows = [cohort.rows(g) for g in groups]
    members = np.concatenate([r for r in rows]) if rows else np.zeros(0, dtype=np.int64)
    size = np.concatenate([np.full(len(r), len(r)) for r in rows]) if rows else np.zeros(0, dtype=np.int64)
    i = np.repeat(members, size)
    j = np.concatenate([np.tile(r, len(r)) for r in rows]) if rows else np.zeros(0, dtype=np.int64)
    total = np.where(i == j, 0.0, score_pairs(arrays, i, j, true_weights).total)
    owner = np.repeat(np.arange(len(members)), size)
    score = np.bincount(owner, weights=total, minlength=len(members)) / np.maximum(size - 1, 1)
    useful = np.clip(1.0 + 4.0 * (score - low) / span, 1.0, 5.0)
    result: np.ndarray = np.where(size > 1, useful, 1.0)
    return result


def simulate_check_ins(
    cohort: Cohort,
    groups: Sequence[Sequence[str]],
    true_weights: AffinityWeights,
    *,
    meetings: int = 2,
    noise: float = 1.0,
    response: float = 0.6,
    p_met: float = 0.85,
    skip_rating: float = 0.1,
    label: str = "",
    seed: int = 0,
) -> tuple[CheckInOutcome, ...]:
    """Simulated check-in answers of the members of ``groups`` after each of ``meetings`` meetings.

    Parameters
    ----------
    cohort : Cohort
    groups : sequence of sequences of teacher ids
    true_weights : AffinityWeights
        The hidden weights that decide true usefulness (:func:`true_usefulness`).
    meetings : int
        Meetings per group.
    noise : float
        Standard deviation of an answer around the true usefulness, in rating points.
    response : float
        Probability that a member answers a meeting's check-in (0.6: 40 % non-response).
    p_met : float
        Probability that a group meets on a given date (drawn per group and meeting).
    skip_rating : float
        Probability that a member who says "we met" gives no rating.
    label : str
        Prefix of the group keys (e.g. ``"round 2 "``), so that rounds keep groups apart.
    seed : int

    Returns
    -------
    tuple of CheckInOutcome
        Only the answers given (non-response is absence).
    """
    rng = np.random.default_rng(seed)
    useful = true_usefulness(cohort, groups, true_weights)
    answers: list[CheckInOutcome] = []
    at = 0
    for g, members in enumerate(groups):
        members = tuple(members)
        for _ in range(meetings):
            met = bool(rng.random() < p_met)
            for k, teacher in enumerate(members):
                if rng.random() >= response or len(members) < 2:
                    continue
                rating = None
                if met and rng.random() >= skip_rating:
                    rating = int(np.clip(np.rint(useful[at + k] + rng.normal(0.0, noise)), 1, 5))
                answers.append(CheckInOutcome(teacher, members, met=met, useful=rating, group=f"{label}group {g + 1}"))
        at += len(members)
    return tuple(answers)
