"""Learning affinity weights from check-ins: what members said after meeting.

Public names load lazily (PEP 562): ``import matcher.learning`` imports neither
scikit-learn nor scipy until :func:`learn_weights` is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".features": ("CheckInOutcome", "AnswerTable", "FEATURES", "answer_table", "effective_weights", "weights_from_effective"),
        ".learn": ("LearnedWeights", "NotEnoughAnswersError", "learn_weights", "cosine_similarity", "MIN_ANSWERS", "MIN_GROUPS", "METRIC"),
        ".model": ("ShrunkNonNegativeRegression",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .features import FEATURES, AnswerTable, CheckInOutcome, answer_table, effective_weights, weights_from_effective
    from .learn import METRIC, MIN_ANSWERS, MIN_GROUPS, LearnedWeights, NotEnoughAnswersError, cosine_similarity, learn_weights
    from .model import ShrunkNonNegativeRegression
