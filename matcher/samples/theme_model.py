"""How a teacher's context shifts the themes drawn for them (the model behind :mod:`.generate`).

Each teacher gets a 0/1 value for every context indicator (:data:`INDICATORS`); a theme's
log-weight is its base weight plus the boosts of the teacher's contexts, and the themes are
drawn without replacement in proportion to those weights (Gumbel top-k).

>>> import numpy as np
>>> X = np.zeros((1, len(INDICATORS)))
>>> X[0, INDICATORS.index("high_fsm")] = 1
>>> logits = context_logits(base_logits(CHALLENGE_BASE), boost_matrix(CHALLENGE_BOOSTS), X)
>>> picked = top_k(np.random.default_rng(0), logits, np.array([3]))
>>> picked.shape, len(set(picked[0]))
((1, 3), 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..profiles.themes import THEME_IDS

__all__ = [
    "INDICATORS",
    "CHALLENGE_BOOSTS",
    "STRENGTH_BOOSTS",
    "CHALLENGE_BASE",
    "STRENGTH_BASE",
    "INTEREST_BASE",
    "boost_matrix",
    "base_logits",
    "context_logits",
    "top_k",
]

# Context indicators; each teacher gets a 0/1 value for each.
INDICATORS = (
    "high_fsm", "low_fsm", "high_eal", "high_sen", "dept_one", "big_dept", "early", "experienced",
    "non_specialist", "head", "independent", "all_through", "ks5", "large_school", "small_school",
    "boys_school", "girls_school", "faith_school",
)

# How much more (or less) often a theme is chosen as a challenge in a context (a multiplier).
CHALLENGE_BOOSTS: Mapping[str, Mapping[str, float]] = {
    "high_fsm": {"instrument_access": 4.0, "disadvantaged_pupils": 4.0, "budget_resources": 3.0,
                 "behaviour_engagement": 1.5, "community_parents": 1.5},
    "low_fsm": {"instrument_access": 0.4, "disadvantaged_pupils": 0.4, "stretching_able_musicians": 1.8},
    "high_eal": {"eal_learners": 5.0, "inclusion_diversity": 1.5},
    "high_sen": {"send": 3.0, "differentiation": 1.5},
    "dept_one": {"department_of_one_workload": 40.0, "professional_isolation": 24.0, "senior_leader_support": 2.5,
                 "curriculum_time": 2.0, "wellbeing_balance": 1.5, "extra_curricular": 1.3},
    "big_dept": {"department_leadership": 2.0, "peripatetic_coordination": 1.8,
                 "department_of_one_workload": 0.0, "professional_isolation": 0.3},
    "early": {"behaviour_engagement": 4.0, "assessment_without_levels": 3.0, "teacher_confidence": 3.0,
              "early_career": 4.0, "differentiation": 1.5, "curriculum_design": 1.5, "department_leadership": 0.2},
    "experienced": {"behaviour_engagement": 0.4, "teacher_confidence": 0.4, "early_career": 0.0,
                    "music_technology": 1.6, "own_musicianship": 1.8, "wellbeing_balance": 1.4, "electronic_music": 1.5},
    "non_specialist": {"teacher_confidence": 15.0, "notation_literacy": 4.0, "keyboard_skills": 2.5, "singing": 1.5,
                       "composition": 2.0, "department_leadership": 0.2},
    "head": {"senior_leader_support": 1.5, "evidencing_impact": 1.8, "budget_resources": 1.3},
    "independent": {"instrument_access": 0.2, "disadvantaged_pupils": 0.1, "budget_resources": 0.5,
                    "stretching_able_musicians": 1.5, "pupil_voice": 1.3, "curriculum_time": 0.7},
    "all_through": {"transition_ks2_ks3": 0.4, "primary_partnerships": 0.5},
    "ks5": {"post16_progression": 3.0},
    "large_school": {"peripatetic_coordination": 1.5},
    "small_school": {"progression_gcse": 1.5, "budget_resources": 1.3},
    "boys_school": {"boys_participation": 4.0, "singing": 2.0},
    "girls_school": {"boys_participation": 0.0},
    "faith_school": {},
}

# The same for strengths.
STRENGTH_BOOSTS: Mapping[str, Mapping[str, float]] = {
    "high_fsm": {"whole_class_instrumental": 2.0, "music_hub_partnership": 2.0, "behaviour_engagement": 1.5,
                 "community_parents": 1.3, "stretching_able_musicians": 0.5},
    "low_fsm": {"stretching_able_musicians": 1.5, "concerts_events": 1.3},
    "high_eal": {"world_music": 2.5, "inclusion_diversity": 2.0, "eal_learners": 2.0},
    "high_sen": {"send": 2.0},
    "dept_one": {"department_leadership": 0.4, "extra_curricular": 1.3, "peripatetic_coordination": 0.5},
    "big_dept": {"department_leadership": 1.5, "extra_curricular": 1.3},
    "early": {"music_technology": 2.0, "popular_music_band": 1.8, "electronic_music": 2.0, "tablets_apps": 1.8,
              "own_musicianship": 1.5, "curriculum_design": 0.4, "department_leadership": 0.05,
              "evidencing_impact": 0.3, "senior_leader_support": 0.3},
    "experienced": {"curriculum_design": 4.0, "extra_curricular": 3.0, "department_leadership": 4.0,
                    "concerts_events": 2.0, "evidencing_impact": 2.0, "senior_leader_support": 2.0,
                    "peripatetic_coordination": 2.0, "assessment_without_levels": 1.5, "early_career": 2.0},
    "non_specialist": {"department_leadership": 0.1, "curriculum_design": 0.3, "notation_literacy": 0.2,
                       "cross_curricular": 3.0, "behaviour_engagement": 2.5, "pupil_voice": 2.0,
                       "teacher_confidence": 3.0},
    "head": {"department_leadership": 1.5, "curriculum_design": 1.5},
    "independent": {"stretching_able_musicians": 3.0, "extra_curricular": 2.0, "concerts_events": 2.0,
                    "ensemble_performance": 2.0, "post16_progression": 1.5, "instrument_access": 0.3},
    "all_through": {"transition_ks2_ks3": 2.5, "primary_partnerships": 2.0},
    "ks5": {"post16_progression": 2.5},
    "large_school": {"extra_curricular": 1.3},
    "small_school": {},
    "boys_school": {"boys_participation": 2.0},
    "girls_school": {"boys_participation": 0.0},
    "faith_school": {"singing": 2.0},
}

CHALLENGE_BASE = {
    "assessment_without_levels": 3.0, "year9_motivation": 3.0, "progression_gcse": 2.5, "behaviour_engagement": 2.0,
    "boys_participation": 2.0, "singing": 2.0, "differentiation": 2.0, "curriculum_time": 2.0,
    "music_technology": 2.0, "send": 1.8, "composition": 1.5, "senior_leader_support": 1.5,
    "budget_resources": 1.5, "wellbeing_balance": 1.5, "notation_literacy": 1.3, "instrument_access": 1.2,
    "improvisation": 1.2, "evidencing_impact": 1.2, "department_leadership": 0.5, "early_career": 0.3,
    "department_of_one_workload": 0.3, "professional_isolation": 0.5,
}
STRENGTH_BASE = {
    "singing": 2.0, "extra_curricular": 2.0, "popular_music_band": 1.8, "concerts_events": 1.8,
    "whole_class_instrumental": 1.5, "ensemble_performance": 1.5, "composition": 1.5, "keyboard_skills": 1.5,
    "music_technology": 1.5, "listening_repertoire": 1.5, "behaviour_engagement": 1.2,
    "early_career": 0.05, "professional_isolation": 0.1, "teacher_confidence": 0.1,
    "department_of_one_workload": 0.3, "wellbeing_balance": 0.4, "year9_motivation": 0.6,
}
INTEREST_BASE = {
    "music_technology": 2.5, "composition": 2.0, "curriculum_design": 2.0, "assessment_without_levels": 2.0,
    "model_music_curriculum": 1.8, "singing": 1.8, "world_music": 1.5, "electronic_music": 1.5,
    "inclusion_diversity": 1.5, "whole_class_instrumental": 1.5, "improvisation": 1.3,
    "early_career": 0.3, "department_of_one_workload": 0.3,
}


def boost_matrix(boosts: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    """``(indicator, theme)`` log-multipliers of a boosts table (``-inf`` for a factor of 0)."""
    position = {t: k for k, t in enumerate(THEME_IDS)}
    m: np.ndarray = np.zeros((len(INDICATORS), len(THEME_IDS)))
    for i, name in enumerate(INDICATORS):
        for theme, factor in boosts.get(name, {}).items():
            m[i, position[theme]] = math.log(factor) if factor > 0 else -np.inf
    return m


def base_logits(weights: Mapping[str, float]) -> np.ndarray:
    """Log base weight of every theme, in :data:`~matcher.profiles.themes.THEME_IDS` order (1 when not listed)."""
    base: np.ndarray = np.log(np.array([weights.get(t, 1.0) for t in THEME_IDS]))
    return base


def context_logits(base: np.ndarray, boosts: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per-teacher log-weights of each theme: base plus the boosts of the teacher's contexts.

    A boost of 0 (``-inf`` in ``boosts``) rules the theme out for anyone in that context.
    """
    ruled_out = np.isinf(boosts)
    out: np.ndarray = base + X @ np.where(ruled_out, 0.0, boosts)
    out[(X @ ruled_out) > 0] = -np.inf
    return out


def top_k(rng: np.random.Generator, logits: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Sample ``k[i]`` distinct columns per row with probability ∝ exp(logits) (Gumbel top-k).

    Returns an ``(n, k.max())`` array of column indices, -1 beyond each row's ``k``.
    """
    scores = logits + rng.gumbel(size=logits.shape)
    kmax = int(k.max()) if len(k) else 0
    if kmax == 0:
        return np.empty((len(k), 0), dtype=int)
    part = np.argpartition(-scores, kmax - 1, axis=1)[:, :kmax]
    top = np.take_along_axis(part, np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1), axis=1)
    top[np.arange(kmax)[None, :] >= k[:, None]] = -1
    return top
