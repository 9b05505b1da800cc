"""Teacher profiles and the cohort they belong to.

A :class:`TeacherProfile` is what a teacher tells us; a :class:`Cohort` is a set of
profiles joined to the real school records, with the one mapping from teacher ids to
matrix rows that every other module uses.

Examples
--------
>>> a = TeacherProfile(id="t-001", name="Sam", school_urn=100049, challenges=("singing",))
>>> b = TeacherProfile(id="t-002", name="Priya", school_urn=100050, strengths=("singing",))
>>> cohort = Cohort.from_profiles([a, b])
>>> cohort.row("t-002"), cohort.school_of("t-001").local_authority
(1, 'Camden')
>>> cohort.row("t-999")
Traceback (most recent call last):
...
matcher.errors.UnknownTeacherError: unknown teacher id 't-999'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import Issue, ParameterError, UnknownTeacherError, UnknownThemeError, ValidationError
from ..places.schools import School, load_schools
from .fields import (
    AVAILABILITY_SLOTS,
    CONTEXT_PREFERENCES,
    FIELD,
    KEY_STAGES,
    LIST_FIELDS,
    MAX_DEPARTMENT_SIZE,
    MAX_TRAVEL_KM,
    MAX_YEARS_TEACHING,
    MEETING_MODES,
    PRIVATE_FIELDS,
    ROLES,
    THEME_FIELDS,
    profile_issues,
)

__all__ = [
    "TeacherProfile",
    "Cohort",
    "KEY_STAGES",
    "ROLES",
    "MEETING_MODES",
    "CONTEXT_PREFERENCES",
    "AVAILABILITY_SLOTS",
    "MAX_TRAVEL_KM",
    "MAX_YEARS_TEACHING",
    "MAX_DEPARTMENT_SIZE",
    "PUBLIC_FIELDS",
    "PRIVATE_FIELDS",
]

# KEY_STAGES, ROLES, ... live with the field registry (:mod:`matcher.profiles.fields`);
# they are re-exported here, where callers have always found them.


@dataclass(frozen=True)
class TeacherProfile:
    """What one teacher tells us about themselves.

    ``interests``, ``challenges`` and ``strengths`` hold theme ids from
    :mod:`matcher.profiles.themes`; ``email`` is private and never leaves the service
    without mutual consent (see :data:`PRIVATE_FIELDS`). The fields are declared once, in
    :data:`matcher.profiles.fields.FIELDS`, and every value is checked against it here.

    Raises
    ------
    UnknownThemeError
        When a theme is not in the vocabulary (the issue names field, value and the
        nearest theme); it also lists any other problem of the profile.
    ValidationError
        When another value breaks its field's rule (a role, key stage, slot or range).
    ParameterError (also a TypeError)
        When a string is passed where a list is expected.

    Examples
    --------
    >>> TeacherProfile(id="t-1", name="Sam", school_urn=100049, challenges=["assesment"])
    Traceback (most recent call last):
    ...
    matcher.errors.UnknownThemeError: 1 problem in the input
      - field 'challenges': unknown theme (got 'assesment'); did you mean 'assessment_without_levels'?
    >>> TeacherProfile(id="t-1", name="Sam", school_urn=100049, strengths="singing")
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: field 'strengths' expects a list of values, got a string; wrap it in a list or split on ';'
    """

    id: str
    name: str
    school_urn: int
    email: str = ""
    department_size: int = 1
    role: str = "music_teacher"
    years_teaching: int = 5
    key_stages: tuple[str, ...] = ("KS3",)
    interests: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    about: str = ""
    meeting_mode: str = "either"
    availability: tuple[str, ...] = ()
    max_travel_km: float = 10.0
    context_preference: str = "mixed"
    consent_share_contact: bool = False
    previous_groupmates: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                raise ParameterError(
                    name, value, "expects a list of values, got a string; wrap it in a list or split on ';'",
                    summary=f"field {name!r} expects a list of values, got a string; wrap it in a list or split on ';'",
                )
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))  # a list would make the frozen profile unhashable
        issues = profile_issues({name: getattr(self, name) for name in FIELD})
        if issues:
            themed = any(i.field in THEME_FIELDS and i.message == "unknown theme" for i in issues)
            raise (UnknownThemeError if themed else ValidationError)(issues)

    @property
    def department_of_one(self) -> bool:
        """True when the teacher is the only music teacher in their school."""
        return self.department_size <= 1

    def public(self) -> dict[str, object]:
        """The profile as a dict without private fields (safe to show to other teachers)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in PRIVATE_FIELDS}

    def with_changes(self, **changes: Any) -> TeacherProfile:
        """A copy with some fields changed (profiles are immutable)."""
        return replace(self, **changes)


PUBLIC_FIELDS = tuple(f.name for f in fields(TeacherProfile) if f.name not in PRIVATE_FIELDS)


@dataclass(frozen=True, eq=False)
class Cohort:
    """Profiles joined to their schools, with the id ↔ row mapping used by every matrix.

    Build it with :meth:`from_profiles` (which checks ids and URNs) rather than directly.
    Cohorts compare by identity, so derived arrays can be cached per cohort object.
    """

    profiles: tuple[TeacherProfile, ...]
    schools: Mapping[int, School]

    @classmethod
    def from_profiles(cls, profiles: Iterable[TeacherProfile], schools: Mapping[int, School] | None = None) -> Cohort:
        """Check that ids are unique and every school URN is known, then build the cohort.

        Raises
        ------
        ValidationError
            Listing every duplicate id and unknown URN.
        """
        profiles = tuple(profiles)
        schools = load_schools() if schools is None else schools
        issues, seen = [], set()
        for i, p in enumerate(profiles):
            if p.id in seen:
                issues.append(Issue(None, "id", p.id, f"duplicate teacher id (profile {i + 1})"))
            seen.add(p.id)
            if p.school_urn not in schools:
                issues.append(Issue(None, "school_urn", str(p.school_urn), f"unknown school URN for teacher {p.id!r}"))
        if issues:
            raise ValidationError(issues)
        return cls(profiles=profiles, schools=MappingProxyType(dict(schools)))

    def __len__(self) -> int:
        return len(self.profiles)

    def __iter__(self) -> Iterator[TeacherProfile]:
        return iter(self.profiles)

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Read-only ``{teacher_id: row}``."""
        return MappingProxyType({p.id: i for i, p in enumerate(self.profiles)})

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """Teacher ids in row order (computed once: loops index it row by row)."""
        return tuple(p.id for p in self.profiles)

    def row(self, teacher_id: str) -> int:
        """Matrix row of ``teacher_id``; raises :class:`UnknownTeacherError` naming it."""
        try:
            return self.index[teacher_id]
        except KeyError:
            raise UnknownTeacherError(teacher_id) from None

    def rows(self, teacher_ids: Iterable[str]) -> np.ndarray:
        """Rows of several ids, in order."""
        return np.array([self.row(t) for t in teacher_ids], dtype=np.int64)

    def get(self, teacher_id: str) -> TeacherProfile:
        """The profile of ``teacher_id``."""
        return self.profiles[self.row(teacher_id)]

    def school_of(self, teacher_id: str) -> School:
        """The school record of ``teacher_id``."""
        return self.schools[self.get(teacher_id).school_urn]

    @cached_property
    def coordinates(self) -> np.ndarray:
        """``(n, 2)`` array of school latitude, longitude per teacher."""
        coords = np.array([[self.schools[p.school_urn].lat, self.schools[p.school_urn].lon] for p in self.profiles]).reshape(-1, 2)
        coords.setflags(write=False)  # cached and shared: nobody may change it
        return coords

    def subset(self, teacher_ids: Iterable[str]) -> Cohort:
        """A cohort of some of these teachers, in the order given.

        Raises
        ------
        UnknownTeacherError
            For an id not in this cohort.
        ParameterError
            For an id given twice (a teacher cannot be two members of one cohort).
        """
        ids = tuple(teacher_ids)
        twice = [t for t, n in Counter(ids).items() if n > 1]
        if twice:
            raise ParameterError.from_issues(Issue(None, "teacher_ids", t, "is listed twice") for t in twice)
        return Cohort(profiles=tuple(self.get(t) for t in ids), schools=self.schools)
