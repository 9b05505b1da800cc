"""The teacher record: the practice-theme vocabulary, the profile and cohort, reading
(``io``, ``record``, ``report``) and writing (``write``) teacher files with a row-by-row
report, and the phrases reasons are written with.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".themes": ("Theme", "THEMES", "THEME_IDS", "THEME_GROUPS", "closest_theme", "validate_themes",),
        ".phrases": ("join_phrases", "theme_phrase", "slot_phrase",),
        ".fields": ("Field", "FIELDS", "FIELD", "TEACHER_EDITABLE", "COORDINATOR_EDITABLE", "PERSONAL_FIELDS", "profile_issues", "hidden_characters",),
        ".teacher": ("TeacherProfile", "Cohort", "KEY_STAGES", "ROLES", "MEETING_MODES", "CONTEXT_PREFERENCES", "AVAILABILITY_SLOTS", "MAX_TRAVEL_KM", "PUBLIC_FIELDS", "PRIVATE_FIELDS",),
        ".io": ("COLUMNS", "REQUIRED_COLUMNS", "read_teachers", "parse_teachers_csv", "parse_teachers_json", "load_cohort",),
        ".report": ("ImportReport",),
        ".record": ("profile_from_record",),
        ".write": ("teachers_to_csv", "write_teachers_csv", "teachers_to_json", "write_teachers_json",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .themes import THEMES, THEME_GROUPS, THEME_IDS, Theme, closest_theme, validate_themes
    from .phrases import join_phrases, slot_phrase, theme_phrase
    from .fields import COORDINATOR_EDITABLE, FIELD, FIELDS, PERSONAL_FIELDS, TEACHER_EDITABLE, Field, hidden_characters, profile_issues
    from .teacher import (
        AVAILABILITY_SLOTS,
        CONTEXT_PREFERENCES,
        Cohort,
        KEY_STAGES,
        MAX_TRAVEL_KM,
        MEETING_MODES,
        PRIVATE_FIELDS,
        PUBLIC_FIELDS,
        ROLES,
        TeacherProfile,
    )
    from .io import COLUMNS, REQUIRED_COLUMNS, load_cohort, parse_teachers_csv, parse_teachers_json, read_teachers
    from .report import ImportReport
    from .record import profile_from_record
    from .write import teachers_to_csv, teachers_to_json, write_teachers_csv, write_teachers_json
