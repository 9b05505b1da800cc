"""Peer to Peer Matcher: peer groups, suggested peers and practice examples for music teachers.

A plain library (numpy, scipy, scikit-learn, networkx): no web framework, no database.
"""

from .errors import InfeasibleError, Issue, MatcherError, UnknownTeacherError, UnknownThemeError, ValidationError
from .schools import School, load_schools
from .themes import THEME_GROUPS, THEME_IDS, THEMES, Theme

__all__ = [
    "InfeasibleError",
    "Issue",
    "MatcherError",
    "UnknownTeacherError",
    "UnknownThemeError",
    "ValidationError",
    "School",
    "load_schools",
    "THEME_GROUPS",
    "THEME_IDS",
    "THEMES",
    "Theme",
]
