"""Practice examples: the catalogue, recommendations for a teacher or a group, and their reasons.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".catalogue": ("PracticeExample", "Catalogue", "default_catalogue_path", "load_catalogue", "parse_examples",),
        ".checks": ("CatalogueIssue", "TIMES_TO_TRY", "REQUIRED_FIELDS", "OPTIONAL_FIELDS", "MIN_SUMMARY_WORDS", "MAX_SUMMARY_WORDS",),
        ".contexts": ("CONTEXTS", "teacher_contexts", "context_fit", "context_conflicts", "ANY_CONTEXT_FIT", "MISMATCH_CONTEXT_FIT", "CONTEXT_CONFLICTS", "LARGE_DEPARTMENT_SIZE",),
        ".text": ("text_similarity", "text_term", "shared_words", "TEXT_FLOOR", "TEXT_FULL",),
        ".reasons": ("CONTEXT_PHRASES", "REASON_TEXT_MIN", "labels", "names_list", "first_names", "teacher_reasons", "group_reasons",),
        ".selection": ("PracticeWeights",),
        ".recommend": ("Recommendation", "recommend_for_teacher", "recommend_for_group",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .catalogue import Catalogue, PracticeExample, default_catalogue_path, load_catalogue, parse_examples
    from .checks import CatalogueIssue, MAX_SUMMARY_WORDS, MIN_SUMMARY_WORDS, OPTIONAL_FIELDS, REQUIRED_FIELDS, TIMES_TO_TRY
    from .contexts import (
        ANY_CONTEXT_FIT,
        CONTEXT_CONFLICTS,
        CONTEXTS,
        LARGE_DEPARTMENT_SIZE,
        MISMATCH_CONTEXT_FIT,
        context_conflicts,
        context_fit,
        teacher_contexts,
    )
    from .text import TEXT_FLOOR, TEXT_FULL, shared_words, text_similarity, text_term
    from .reasons import (
        CONTEXT_PHRASES,
        REASON_TEXT_MIN,
        first_names,
        group_reasons,
        labels,
        names_list,
        teacher_reasons,
    )
    from .selection import PracticeWeights
    from .recommend import (
        Recommendation,
        recommend_for_group,
        recommend_for_teacher,
    )
