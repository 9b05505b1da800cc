"""Peer to Peer Matcher: peer groups, suggested peers and practice examples for music teachers.

A plain library (numpy, scipy, scikit-learn, networkx): no web framework, no database.
Three lines in a notebook:

>>> import matcher
>>> cohort = matcher.load_cohort(matcher.SAMPLE_TEACHERS)
>>> len(cohort) >= 100
True
"""

from .affinity import Affinity, AffinityOptions, AffinityWeights, pairwise_affinity, score_pairs, teacher_arrays
from .catalogue import CONTEXTS, Catalogue, PracticeExample, load_catalogue, teacher_contexts
from .errors import InfeasibleError, Issue, MatcherError, UnknownTeacherError, UnknownThemeError, ValidationError
from .graph import (
    GraphSummary,
    PeerGraph,
    centrality,
    communities,
    components,
    isolated_teachers,
    peer_graph,
    summarize,
    to_networkx,
)
from .io import (
    ImportReport,
    load_cohort,
    read_teachers,
    teachers_to_csv,
    teachers_to_json,
    write_teachers_csv,
    write_teachers_json,
)
from .peers import PeerIndex, PeerSuggestion, suggest_peers
from .practice import PracticeWeights, Recommendation, recommend_for_group, recommend_for_teacher
from .profiles import Cohort, TeacherProfile
from .samples import generate_teachers
from .schools import DATA_DIR, School, load_schools
from .themes import THEME_GROUPS, THEME_IDS, THEMES, Theme
from .vectorize import ProfileVectorizer, profile_matrix, theme_matrix

SAMPLE_TEACHERS = DATA_DIR / "samples" / "teachers.csv"

__all__ = [
    "Affinity",
    "AffinityOptions",
    "AffinityWeights",
    "pairwise_affinity",
    "score_pairs",
    "teacher_arrays",
    "CONTEXTS",
    "Catalogue",
    "PracticeExample",
    "load_catalogue",
    "teacher_contexts",
    "GraphSummary",
    "PeerGraph",
    "centrality",
    "communities",
    "components",
    "isolated_teachers",
    "peer_graph",
    "summarize",
    "to_networkx",
    "PeerIndex",
    "PeerSuggestion",
    "suggest_peers",
    "InfeasibleError",
    "Issue",
    "MatcherError",
    "UnknownTeacherError",
    "UnknownThemeError",
    "ValidationError",
    "ImportReport",
    "load_cohort",
    "read_teachers",
    "teachers_to_csv",
    "teachers_to_json",
    "write_teachers_csv",
    "write_teachers_json",
    "PracticeWeights",
    "Recommendation",
    "recommend_for_group",
    "recommend_for_teacher",
    "Cohort",
    "TeacherProfile",
    "generate_teachers",
    "DATA_DIR",
    "SAMPLE_TEACHERS",
    "School",
    "load_schools",
    "THEME_GROUPS",
    "THEME_IDS",
    "THEMES",
    "Theme",
    "ProfileVectorizer",
    "profile_matrix",
    "theme_matrix",
]
