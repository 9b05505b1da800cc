"""Peer to Peer Matcher: peer groups, suggested peers and practice examples for music teachers.

A plain library (numpy, scipy, scikit-learn, networkx): no web framework, no database.
Three lines in a notebook:

>>> import matcher
>>> cohort = matcher.load_cohort(matcher.SAMPLE_TEACHERS)
>>> len(cohort) >= 100
True

The public names load lazily (PEP 562): ``import matcher`` itself imports nothing heavy,
and ``matcher.load_cohort`` imports :mod:`matcher.profiles.io` on first use. So command-line tools
that need only a corner of the library (``peermatch mdgp``) do not pay for scikit-learn,
pandas or networkx at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import attach

# Public name -> (submodule, attribute in it). One row per submodule, in the order of __all__.
_SOURCES: dict[str, tuple[str, ...]] = {
    ".affinity.arrays": ("teacher_arrays",),
    ".affinity.terms": ("Affinity", "AffinityOptions", "AffinityWeights", "pairwise_affinity", "score_pairs"),
    ".practice.catalogue": ("Catalogue", "PracticeExample", "load_catalogue"),
    ".practice.contexts": ("CONTEXTS", "teacher_contexts"),
    ".graph.network": ("PeerGraph", "peer_graph"),
    ".graph.views": ("GraphSummary", "centrality", "communities", "components", "isolated_teachers", "summarize", "to_networkx"),
    ".peers.suggest": ("PeerIndex", "PeerSuggestion", "suggest_peers"),
    ".learning.features": ("CheckInOutcome",),
    ".learning.learn": ("LearnedWeights", "learn_weights"),
    ".errors": (
        "InfeasibleError",
        "Issue",
        "MatcherError",
        "ParameterError",
        "UnknownIdError",
        "UnknownTeacherError",
        "UnknownThemeError",
        "ValidationError",
    ),
    ".profiles.io": ("load_cohort", "read_teachers"),
    ".profiles.report": ("ImportReport",),
    ".profiles.write": ("teachers_to_csv", "teachers_to_json", "write_teachers_csv", "write_teachers_json"),
    ".practice.recommend": ("Recommendation", "recommend_for_group", "recommend_for_teacher"),
    ".practice.selection": ("PracticeWeights",),
    ".profiles.teacher": ("Cohort", "TeacherProfile"),
    ".samples.generate": ("generate_teachers",),
    ".places.schools": ("DATA_DIR", "School", "load_schools"),
    ".programme.sessions": ("ProposedSession", "SessionPlan", "plan_sessions"),
    ".profiles.themes": ("THEME_GROUPS", "THEME_IDS", "THEMES", "Theme"),
    ".affinity.vectorize": ("ProfileVectorizer", "profile_matrix", "theme_matrix"),
    ".cohorts": (
        "form_groups",
        "form_groups_by_region",
        "repair",
        "move_member",
        "Grouping",
        "explain_grouping",
        "Group",
        "CohortFigures",
        "CohortResult",
        "RegionalResult",
        "GroupingProblem",
        "read_mdgplib",
        "solve_exact",
    ),
}
# Exported under another name than the one in the submodule.
_RENAMED: dict[str, tuple[str, str]] = {"solve_grouping": (".cohorts", "solve")}

_getattr, _dir, _public = attach(__name__, _SOURCES, _RENAMED)
__all__ = [*_public, "SAMPLE_TEACHERS"]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access (PEP 562), then cache it here."""
    if name == "SAMPLE_TEACHERS":
        value: Any = __getattr__("DATA_DIR") / "samples" / "teachers.csv"
        globals()[name] = value
        return value
    return _getattr(name)


def __dir__() -> list[str]:
    return sorted({*_dir(), "SAMPLE_TEACHERS"})


if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from pathlib import Path

    from .affinity.arrays import teacher_arrays
    from .affinity.terms import Affinity, AffinityOptions, AffinityWeights, pairwise_affinity, score_pairs
    from .practice.catalogue import Catalogue, PracticeExample, load_catalogue
    from .practice.contexts import CONTEXTS, teacher_contexts
    from .cohorts import (
        CohortFigures,
        CohortResult,
        Group,
        Grouping,
        GroupingProblem,
        RegionalResult,
        explain_grouping,
        form_groups,
        form_groups_by_region,
        move_member,
        read_mdgplib,
        repair,
        solve_exact,
    )
    from .cohorts import solve as solve_grouping
    from .errors import (
        InfeasibleError,
        Issue,
        MatcherError,
        ParameterError,
        UnknownIdError,
        UnknownTeacherError,
        UnknownThemeError,
        ValidationError,
    )
    from .graph.network import PeerGraph, peer_graph
    from .graph.views import GraphSummary, centrality, communities, components, isolated_teachers, summarize, to_networkx
    from .profiles.io import load_cohort, read_teachers
    from .profiles.report import ImportReport
    from .profiles.write import teachers_to_csv, teachers_to_json, write_teachers_csv, write_teachers_json
    from .peers.suggest import PeerIndex, PeerSuggestion, suggest_peers
    from .learning.features import CheckInOutcome
    from .learning.learn import LearnedWeights, learn_weights
    from .practice.recommend import Recommendation, recommend_for_group, recommend_for_teacher
    from .practice.selection import PracticeWeights
    from .profiles.teacher import Cohort, TeacherProfile
    from .samples.generate import generate_teachers
    from .places.schools import DATA_DIR, School, load_schools
    from .programme.sessions import ProposedSession, SessionPlan, plan_sessions
    from .profiles.themes import THEME_GROUPS, THEME_IDS, THEMES, Theme
    from .affinity.vectorize import ProfileVectorizer, profile_matrix, theme_matrix

    SAMPLE_TEACHERS: Path
