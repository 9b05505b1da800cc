"""The teacher record, declared once: one :class:`Field` per profile field.

Everything else that lists the teacher's fields derives from :data:`FIELDS`: the
:class:`~matcher.profiles.teacher.TeacherProfile` checks its values with
:func:`profile_issues`, the CSV layout (:data:`matcher.profiles.io.COLUMNS`) is
:data:`COLUMNS`, and the service copies stored rows, builds the profile form and the GDPR
export from the same records (who may edit a field, whether it is personal data, whether
it is private contact data).

Examples
--------
>>> FIELD["department_size"].bounds_text()
'a whole number from 1 to 30'
>>> [f.name for f in FIELDS if f.editable_by == "teacher"]
['consent_share_contact']
>>> [str(i) for i in profile_issues({"name": "Sam\\u202e", "challenges": ("singin",)})]
["field 'name': must not contain invisible or control characters: U+202E (got 'Sam\\\\u202e')", "field 'challenges': unknown theme (got 'singin'); did you mean 'singing'?"]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..errors import Issue
from .themes import THEME_IDS, theme_issues

__all__ = [
    "Field",
    "FIELDS",
    "FIELD",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "LIST_FIELDS",
    "THEME_FIELDS",
    "PRIVATE_FIELDS",
    "PERSONAL_FIELDS",
    "TEACHER_EDITABLE",
    "COORDINATOR_EDITABLE",
    "KEY_STAGES",
    "ROLES",
    "MEETING_MODES",
    "CONTEXT_PREFERENCES",
    "AVAILABILITY_SLOTS",
    "MAX_TRAVEL_KM",
    "MAX_YEARS_TEACHING",
    "MAX_DEPARTMENT_SIZE",
    "MAX_NAME_CHARS",
    "MAX_ABOUT_CHARS",
    "hidden_characters",
    "hidden_character_issues",
    "profile_issues",
]

KEY_STAGES = ("EY", "KS1", "KS2", "KS3", "KS4", "KS5")
ROLES = ("head_of_music", "music_teacher", "early_career_teacher", "non_specialist", "trust_lead")
MEETING_MODES = ("in_person", "online", "either")
CONTEXT_PREFERENCES = ("similar", "different", "mixed")
AVAILABILITY_SLOTS = tuple(
    f"{day}_{part}" for day in ("mon", "tue", "wed", "thu", "fri") for part in ("am", "pm", "after_school")
) + ("weekend",)
MAX_TRAVEL_KM = 200.0
MAX_YEARS_TEACHING = 50
MAX_DEPARTMENT_SIZE = 30
MAX_NAME_CHARS = 100
MAX_ABOUT_CHARS = 2000

Editor = Literal["teacher", "coordinator", "both"]


@dataclass(frozen=True)
class Field:
    """One field of the teacher record.

    ``type`` is the Python type of the value (of each item when ``is_list``);
    ``choices`` the allowed values (``None``: any), ``low``/``high`` the allowed range
    of a number; ``editable_by`` says who may change it after the teacher exists
    ("teacher": the teacher alone, e.g. consent; "coordinator": the coordinator alone;
    "both"); ``personal`` marks personal data (in the teacher's GDPR export);
    ``private`` marks contact data never shown to other teachers without consent;
    ``plain_text`` refuses invisible and control characters; ``required`` makes the CSV
    column mandatory; ``label``/``help`` describe the column and the form field.
    """

    name: str
    type: type
    default: object
    label: str
    help: str = ""
    is_list: bool = False
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    editable_by: Editor = "both"
    personal: bool = True
    private: bool = False
    plain_text: bool = False
    required: bool = False

    @property
    def teacher_may_edit(self) -> bool:
        """True when the teacher may change this field of their own profile."""
        return self.editable_by in ("teacher", "both")

    @property
    def coordinator_may_edit(self) -> bool:
        """True when a coordinator may change this field of an existing teacher."""
        return self.editable_by in ("coordinator", "both")

    def bounds_text(self) -> str:
        """How the allowed range reads in a message, e.g. ``'a number of km from 0 to 200'``."""
        what = "a whole number" if self.type is int else "a number of km" if self.name == "max_travel_km" else "a number"
        return f"{what} from {self.low:g} to {self.high:g}"


FIELDS: tuple[Field, ...] = (
    Field("id", str, "", "Teacher id", "1-64 letters, digits, '-', '_' or '.'; unique in the programme", editable_by="coordinator", required=True),
    Field("name", str, "", "Name", "the teacher's name as peers see it", plain_text=True, required=True),
    Field("email", str, "", "Email", "shown to a connected peer only with the teacher's consent", private=True),
    Field("school_urn", int, 0, "School", "the school's 6-digit URN (Get Information about Schools)", required=True),
    Field("department_size", int, 1, "Music teachers in my school", "1 means a department of one", low=1, high=MAX_DEPARTMENT_SIZE, required=True),
    Field("role", str, "music_teacher", "Role", "", choices=ROLES),
    Field("years_teaching", int, 5, "Years teaching", "", low=0, high=MAX_YEARS_TEACHING),
    Field("key_stages", str, ("KS3",), "Key stages I teach", "separated by ';'", is_list=True, choices=KEY_STAGES, required=True),
    Field("interests", str, (), "My interests", "theme ids separated by ';'", is_list=True, choices=THEME_IDS),
    Field("challenges", str, (), "My challenges", "theme ids separated by ';'", is_list=True, choices=THEME_IDS, required=True),
    Field("strengths", str, (), "My strengths", "theme ids separated by ';'", is_list=True, choices=THEME_IDS, required=True),
    Field("about", str, "", "About my practice", f"up to {MAX_ABOUT_CHARS:,} characters"),
    Field("meeting_mode", str, "either", "How I can meet", "", choices=MEETING_MODES),
    Field("availability", str, (), "When I am free", "slots such as mon_pm;thu_after_school", is_list=True, choices=AVAILABILITY_SLOTS),
    Field("max_travel_km", float, 10.0, "Furthest I can travel", "in km", low=0, high=MAX_TRAVEL_KM),
    Field("context_preference", str, "mixed", "I would like peers from", "", choices=CONTEXT_PREFERENCES),
    Field("consent_share_contact", bool, False, "Sharing my email", "yes or no; the teacher's own decision", editable_by="teacher", private=True),
    Field("previous_groupmates", str, (), "Previous groupmates", "teacher ids separated by ';'", is_list=True, editable_by="coordinator", private=True),
)

FIELD: Mapping[str, Field] = {f.name: f for f in FIELDS}
COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
LIST_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.is_list)
THEME_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.choices is THEME_IDS)
PRIVATE_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.private)
PERSONAL_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.personal)
TEACHER_EDITABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.teacher_may_edit)
COORDINATOR_EDITABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.coordinator_may_edit)

# Characters that change how text is shown without being seen: bidi overrides and
# isolates (which can make "Sam" read as another name), zero-width characters, BOMs.
_BIDI_AND_ZERO_WIDTH = frozenset(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
)


def hidden_characters(text: str) -> list[str]:
    """The invisible, bidi-control and control characters in ``text``, as ``U+XXXX``.

    >>> hidden_characters("Sam\\u200b Lee\\u202e"), hidden_characters("Zoë O'Neill")
    (['U+200B', 'U+202E'], [])
    """
    found = dict.fromkeys(
        f"U+{ord(c):04X}" for c in text if ord(c) in _BIDI_AND_ZERO_WIDTH or unicodedata.category(c) in ("Cc", "Cf")
    )
    return list(found)


def hidden_character_issues(name: str, text: str, row: int | None = None) -> list[Issue]:
    """One :class:`Issue` naming every hidden character of a plain-text field (empty if none)."""
    found = hidden_characters(text)
    if not found:
        return []
    return [Issue(row, name, text[:40], f"must not contain invisible or control characters: {', '.join(found)}")]


def profile_issues(values: Mapping[str, object], row: int | None = None) -> list[Issue]:
    """Every constraint of :data:`FIELDS` that ``values`` (typed, as in a profile) breaks.

    Only the fields present in ``values`` are checked; the messages are the import's.
    Themes get the import's "did you mean" suggestion.
    """
    issues: list[Issue] = []
    for name, value in values.items():
        f = FIELD.get(name)
        if f is None:
            continue
        if f.plain_text and isinstance(value, str):
            issues.extend(hidden_character_issues(name, value, row))
        if f.low is not None and f.high is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not f.low <= value <= f.high or value != value:  # value != value catches NaN
                issues.append(Issue(row, name, str(value), f"must be {f.bounds_text()}"))
        if f.choices is None:
            continue
        items: tuple[object, ...] = tuple(value) if f.is_list and isinstance(value, Iterable) else (value,)
        if f.choices is THEME_IDS:
            issues.extend(theme_issues([str(v) for v in items], row=row, field=name))
        elif name == "key_stages":
            issues.extend(Issue(row, name, str(v), f"unknown key stage; use {', '.join(KEY_STAGES)} separated by ';'") for v in items if v not in f.choices)
        elif name == "availability":
            issues.extend(Issue(row, name, str(v), "unknown time slot; use e.g. mon_pm or thu_after_school") for v in items if v not in f.choices)
        else:
            issues.extend(Issue(row, name, str(v), f"must be one of {', '.join(f.choices)}") for v in items if v not in f.choices)
    return issues
