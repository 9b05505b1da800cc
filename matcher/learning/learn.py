"""Learn affinity weights from check-ins, and say whether they beat today's weights.

The target is what members reported after meeting (usefulness 1-5; a meeting that did not
happen counts as the lowest rating by default), the features are the affinity terms of
the member's pairs with their groupmates (:mod:`.features`). The model
(:class:`~.model.ShrunkNonNegativeRegression`) keeps every weight non-negative and shrinks
it toward today's weights; how strongly is chosen by cross-validation over whole groups,
so with little evidence the answer stays close to today's weights.

Only the affinity weights are learned. The boost for isolated teachers (``priority``),
the cohort engine's coverage and fairness weights and every hard rule (keep-apart,
travel limits, previous groupmates) are policy, not learned.

Examples
--------
>>> import matcher
>>> cohort = matcher.Cohort.from_profiles(matcher.generate_teachers(3, seed=1))
>>> learn_weights(cohort, [CheckInOutcome(cohort.ids[0], cohort.ids, met=True, useful=4)])
Traceback (most recent call last):
...
matcher.learning.learn.NotEnoughAnswersError: learning weights needs at least 60 usable check-in answers from at least 10 groups; got 1 answer from 1 group
  - field 'outcomes': needs at least 60 usable answers from 10 groups (got '1')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import stats

from ..affinity.terms import TERMS, AffinityWeights
from ..errors import Issue, ParameterError, ValidationError
from ..profiles.teacher import Cohort
from .features import FEATURES, CheckInOutcome, answer_table, effective_weights, weights_from_effective

__all__ = ["LearnedWeights", "NotEnoughAnswersError", "learn_weights", "cosine_similarity", "MIN_ANSWERS", "MIN_GROUPS", "ALPHAS", "METRIC"]

#: The fewest usable answers, and groups they come from, that learning accepts.
MIN_ANSWERS = 60
MIN_GROUPS = 10
#: Shrinkage strengths tried (``inf``: today's weights, only calibrated to the answers' scale).
ALPHAS = (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 10.0, math.inf)
METRIC = "R² of predicted vs reported usefulness on held-out groups (GroupKFold)"
_INNER_SPLITS = 3


class NotEnoughAnswersError(ValidationError):
    """Too few check-in answers (or groups) to learn from; ``needed`` and ``have`` say how many."""

    def __init__(self, answers: int, groups: int) -> None:
        self.needed = {"answers": MIN_ANSWERS, "groups": MIN_GROUPS}
        self.have = {"answers": answers, "groups": groups}
        summary = (
            f"learning weights needs at least {MIN_ANSWERS} usable check-in answers from at least {MIN_GROUPS} groups; "
            f"got {answers} answer{'' if answers == 1 else 's'} from {groups} group{'' if groups == 1 else 's'}"
        )
        super().__init__([Issue(None, "outcomes", str(answers), f"needs at least {MIN_ANSWERS} usable answers from {MIN_GROUPS} groups")], summary=summary)


@dataclass(frozen=True)
class LearnedWeights:
    """Learned weights beside today's, with the cross-validated evidence.

    ``learned_score`` and ``current_score`` are the mean of :data:`METRIC` over the same
    folds (higher is better; 1 is perfect, 0 is no better than predicting the mean).
    ``fold_differences`` are the paired per-fold differences (learned minus current);
    ``margin`` is their one-sided 95 % lower confidence bound (Student t over the folds).
    ``better`` is true when the margin is above zero: the learned weights predict held-out
    groups better than today's by more than the folds' noise. Apply :attr:`chosen`.
    """

    learned: AffinityWeights
    current: AffinityWeights
    learned_score: float
    current_score: float
    fold_differences: tuple[float, ...]
    margin: float
    better: bool
    alpha: float
    n_answers: int
    n_groups: int
    n_skipped: int
    metric: str = METRIC
    change: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "change", MappingProxyType(dict(self.change)))

    @property
    def chosen(self) -> AffinityWeights:
        """The learned weights when they are better, else today's."""
        return self.learned if self.better else self.current

    def sentence(self) -> str:
        """The evidence in one plain sentence for a coordinator."""
        moved = sorted(self.change.items(), key=lambda kv: -abs(kv[1]))[:2]
        moves = " and ".join(f"{'more' if d > 0 else 'less'} weight on {name.replace('_', '-')} ({d:+.2f})" for name, d in moved if abs(d) >= 0.005)
        head = (
            f"From {self.n_answers} check-in answers in {self.n_groups} groups, the learned weights "
            f"{'predict' if self.better else 'do not clearly predict'} how useful members found held-out groups "
            f"better than today's weights (R² {self.learned_score:.2f} vs {self.current_score:.2f}; "
            f"worst plausible gain {self.margin:+.3f})."
        )
        return head + (f" They put {moves}." if moves else " They barely differ from today's.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (weights as name -> value)."""
        return {
            "learned": _weights_dict(self.learned),
            "current": _weights_dict(self.current),
            "learned_score": self.learned_score,
            "current_score": self.current_score,
            "fold_differences": list(self.fold_differences),
            "margin": self.margin,
            "better": self.better,
            "alpha": None if math.isinf(self.alpha) else self.alpha,
            "n_answers": self.n_answers,
            "n_groups": self.n_groups,
            "n_skipped": self.n_skipped,
            "metric": self.metric,
            "change": dict(self.change),
            "sentence": self.sentence(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnedWeights:
        """Inverse of :meth:`to_dict`."""
        return cls(
            learned=AffinityWeights(**data["learned"]),
            current=AffinityWeights(**data["current"]),
            learned_score=float(data["learned_score"]),
            current_score=float(data["current_score"]),
            fold_differences=tuple(float(v) for v in data["fold_differences"]),
            margin=float(data["margin"]),
            better=bool(data["better"]),
            alpha=math.inf if data.get("alpha") is None else float(data["alpha"]),
            n_answers=int(data["n_answers"]),
            n_groups=int(data["n_groups"]),
            n_skipped=int(data["n_skipped"]),
            metric=str(data.get("metric", METRIC)),
            change=dict(data.get("change", {})),
        )


def _weights_dict(w: AffinityWeights) -> dict[str, float]:
    return {name: float(getattr(w, name)) for name in TERMS}


def cosine_similarity(a: AffinityWeights, b: AffinityWeights) -> float:
    """Cosine similarity of two sets of weights, over what each term counts in a pair's score
    (:func:`~.features.effective_weights`): 1 is the same weighting, 0 nothing in common.

    >>> round(cosine_similarity(AffinityWeights(), AffinityWeights(complementarity=0.9, interests=0.4, context=0.3, practicality=0.4)), 3)
    1.0
    """
    x, y = effective_weights(a), effective_weights(b)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def learn_weights(
    cohort: Cohort,
    outcomes: Iterable[CheckInOutcome],
    *,
    current: AffinityWeights | None = None,
    unmet_as: float | None = 1.0,
    n_splits: int = 5,
    alphas: Iterable[float] = ALPHAS,
    seed: int = 0,
) -> LearnedWeights:
    """Learn affinity weights from check-in answers; compare them with ``current`` on held-out groups.

    Parameters
    ----------
    cohort : Cohort
        The teachers the answers are about.
    outcomes : iterable of CheckInOutcome
        The answers received (non-response is absence, never a zero).
    current : AffinityWeights, optional
        Today's weights (default :class:`AffinityWeights()`): the prior the learned weights
        are shrunk toward, and the baseline they must beat. Their ``priority`` is kept.
    unmet_as : float or None
        Target of "we did not meet" (see :func:`~.features.answer_table`).
    n_splits : int
        Folds of the outer cross-validation (by group; 2-10).
    alphas : iterable of float
        Shrinkage strengths to choose from by inner cross-validation.
    seed : int
        Seed of the fold shuffling.

    Returns
    -------
    LearnedWeights
        Learned weights on the same scale as ``current``, both cross-validated scores, the
        per-term change and whether the learned weights are :attr:`~LearnedWeights.better`.

    Raises
    ------
    NotEnoughAnswersError
        With fewer than :data:`MIN_ANSWERS` usable answers or :data:`MIN_GROUPS` groups.
    ValidationError
        For answers naming unknown teachers or ratings outside 1-5.

    Examples
    --------
    >>> import matcher
    >>> from matcher.samples.check_ins import simulate_check_ins
    >>> cohort = matcher.Cohort.from_profiles(matcher.generate_teachers(120, seed=1))
    >>> groups = [cohort.ids[k:k + 5] for k in range(0, 120, 5)]
    >>> answers = simulate_check_ins(cohort, groups, matcher.AffinityWeights(), meetings=3, seed=1)
    >>> result = matcher.learn_weights(cohort, answers)
    >>> result.n_answers > 60, result.learned.priority == matcher.AffinityWeights().priority
    (True, True)
    """
    from sklearn.model_selection import GridSearchCV, GroupKFold

    from .model import ShrunkNonNegativeRegression

    if not (isinstance(n_splits, int) and 2 <= n_splits <= 10):
        raise ParameterError("n_splits", n_splits, "must be a whole number 2-10")
    outcomes = tuple(outcomes)
    w0 = current or AffinityWeights()
    table = answer_table(cohort, outcomes, current=w0, unmet_as=unmet_as)
    if table.n_answers < MIN_ANSWERS or table.n_groups < MIN_GROUPS:
        raise NotEnoughAnswersError(table.n_answers, table.n_groups)
    grid = {"alpha": [float(a) for a in alphas]}
    prior = tuple(effective_weights(w0).tolist())
    X, y = table.X, table.y
    # integer group codes: GroupKFold's np.isin on object arrays is quadratic
    groups = np.unique(table.groups.astype(str), return_inverse=True)[1].ravel()

    def search(inner_seed: int) -> GridSearchCV:
        cv = GroupKFold(n_splits=_INNER_SPLITS, shuffle=True, random_state=inner_seed)
        return GridSearchCV(ShrunkNonNegativeRegression(prior=prior), grid, cv=cv, scoring="r2")

    outer = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    learned_scores, current_scores = [], []
    for k, (train, test) in enumerate(outer.split(X, y, groups)):
        fitted = search(seed + k + 1).fit(X[train], y[train], groups=groups[train])
        baseline = ShrunkNonNegativeRegression(alpha=math.inf, prior=prior).fit(X[train], y[train])
        learned_scores.append(float(fitted.score(X[test], y[test])))
        current_scores.append(float(baseline.score(X[test], y[test])))
    diffs = np.array(learned_scores) - np.array(current_scores)
    spread = float(diffs.std(ddof=1)) / math.sqrt(len(diffs))
    margin = float(diffs.mean() - stats.t.ppf(0.95, len(diffs) - 1) * spread)

    final = search(seed).fit(X, y, groups=groups)
    alpha = float(final.best_params_["alpha"])
    learned = weights_from_effective(final.best_estimator_.coef_, w0) or w0
    change = {name: round(float(getattr(learned, name)) - float(getattr(w0, name)), 6) for name in (*FEATURES[:1], *FEATURES[2:], "one_way")}
    better = bool(margin > 0) and learned != w0
    return LearnedWeights(
        learned=learned,
        current=w0,
        learned_score=float(np.mean(learned_scores)),
        current_score=float(np.mean(current_scores)),
        fold_differences=tuple(round(float(d), 6) for d in diffs),
        margin=margin,
        better=better,
        alpha=alpha,
        n_answers=table.n_answers,
        n_groups=table.n_groups,
        n_skipped=table.skipped,
        change=change,
    )
