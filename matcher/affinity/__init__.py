"""How well two teachers fit: profile vectors (scikit-learn transformers) and the pairwise
affinity terms with their hard constraints.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".vectorize": ("ProfileVectorizer", "profile_matrix", "theme_matrix", "CONTEXT_FEATURES", "BLOCKS",),
        ".arrays": ("TeacherArrays", "teacher_arrays",),
        ".terms": ("AffinityWeights", "AffinityOptions", "PairScores", "Affinity", "score_pairs", "score_against_all", "pairwise_affinity", "TERMS",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .vectorize import BLOCKS, CONTEXT_FEATURES, ProfileVectorizer, profile_matrix, theme_matrix
    from .arrays import TeacherArrays, teacher_arrays
    from .terms import (
        Affinity,
        AffinityOptions,
        AffinityWeights,
        PairScores,
        TERMS,
        pairwise_affinity,
        score_against_all,
        score_pairs,
    )
