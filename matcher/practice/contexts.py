"""School contexts: which contexts describe a teacher, and how well a practice example suits them.

A practice example lists the :data:`CONTEXTS` it was written for (a department of one, a
school with many pupils on free school meals...); :func:`teacher_contexts` finds a
teacher's from their profile and school, and :func:`context_fit` scores the overlap.

>>> from matcher.profiles.teacher import TeacherProfile
>>> sorted(teacher_contexts(TeacherProfile(id="t-1", name="Sam", school_urn=1, department_size=1), None))
['department_of_one']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..places.schools import School
from ..profiles.teacher import TeacherProfile

if TYPE_CHECKING:
    from .catalogue import PracticeExample

__all__ = [
    "CONTEXTS",
    "CONTEXT_CONFLICTS",
    "ANY_CONTEXT_FIT",
    "MISMATCH_CONTEXT_FIT",
    "LARGE_DEPARTMENT_SIZE",
    "teacher_contexts",
    "context_conflicts",
    "context_fit",
]

HIGH_FSM_PERCENT = 35.0  # as in matcher.samples: roughly the top quartile of London secondaries
HIGH_EAL_PERCENT = 50.0
SMALL_SCHOOL_PUPILS = 800
#: The one definition of a "large department": this many music teachers or more. The examples
#: tagged ``large_department`` are written for it ("in a department of three or more..."), and
#: the reasons say the number rather than "large".
LARGE_DEPARTMENT_SIZE = 3
NEW_TO_TEACHING_YEARS = 3
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}

#: School contexts an example can suit, each with how it is recognised in a teacher's profile.
CONTEXTS: Mapping[str, str] = MappingProxyType(
    {
        "department_of_one": "the only music teacher in the school (department size 1)",
        "large_department": f"a music department of {_NUMBER_WORDS.get(LARGE_DEPARTMENT_SIZE, LARGE_DEPARTMENT_SIZE)} or more teachers",
        "new_to_teaching": f"in the first {_NUMBER_WORDS.get(NEW_TO_TEACHING_YEARS, NEW_TO_TEACHING_YEARS)} years of teaching, or an early-career teacher",
        "non_specialist": "teaching music without being a music specialist",
        "high_fsm": f"a school where at least {HIGH_FSM_PERCENT:.0f}% of pupils are eligible for free school meals",
        "high_eal": f"a school where at least {HIGH_EAL_PERCENT:.0f}% of pupils have English as an additional language",
        "small_school": f"a school with fewer than {SMALL_SCHOOL_PUPILS} pupils on roll",
        "all_through": "an all-through school (primary and secondary on one roll)",
        "independent": "an independent school",
        "single_sex": "a boys' or a girls' school (either): for examples about single-sex classes as such",
        "boys_school": "a boys' school: for examples written for classes of boys",
        "girls_school": "a girls' school: for examples written for classes of girls",
    }
)
#: Contexts that rule an example out: an example tagged with the key was written for a setting
#: the teacher is not in when the teacher has the value (a boys' school example for a girls'
#: school teacher; planning shared among three or more colleagues for a department of one).
#: Such an example scores :data:`MISMATCH_CONTEXT_FIT` and its reasons never claim a fit. Not
#: symmetric: an idea from a department of one is still open to a large department.
CONTEXT_CONFLICTS: Mapping[str, str] = MappingProxyType(
    {"boys_school": "girls_school", "girls_school": "boys_school", "large_department": "department_of_one"}
)
# Context fit of an example that suits any school (it lists no contexts), or whose contexts
# the teacher does not share: context only ever adds, so a department-of-one idea is not
# hidden from a teacher in a large department, just not favoured.
ANY_CONTEXT_FIT = 0.5
# Context fit of an example written for a kind of school the teacher is not in (see CONTEXT_CONFLICTS).
MISMATCH_CONTEXT_FIT = 0.0


def teacher_contexts(profile: TeacherProfile, school: School | None) -> frozenset[str]:
    """The :data:`CONTEXTS` that describe ``profile`` and their ``school`` (``None`` if unknown).

    School-based contexts need the school record; without it only the teacher's own
    contexts (department size, experience, role) are recognised.
    """
    found = set()
    if profile.department_size <= 1:
        found.add("department_of_one")
    if profile.department_size >= LARGE_DEPARTMENT_SIZE:
        found.add("large_department")
    if profile.years_teaching <= NEW_TO_TEACHING_YEARS or profile.role == "early_career_teacher":
        found.add("new_to_teaching")
    if profile.role == "non_specialist":
        found.add("non_specialist")
    if school is not None:
        if school.fsm_percent is not None and school.fsm_percent >= HIGH_FSM_PERCENT:
            found.add("high_fsm")
        if school.eal_percent is not None and school.eal_percent >= HIGH_EAL_PERCENT:
            found.add("high_eal")
        if school.pupils is not None and school.pupils < SMALL_SCHOOL_PUPILS:
            found.add("small_school")
        if school.phase == "All-through":
            found.add("all_through")
        if school.sector == "independent":
            found.add("independent")
        if school.gender in ("Boys", "Girls"):
            found.add("single_sex")
            found.add("boys_school" if school.gender == "Boys" else "girls_school")
    return frozenset(found)


def context_conflicts(example: PracticeExample, contexts: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The contexts of ``example`` that a teacher with these :data:`CONTEXTS` rules out
    (see :data:`CONTEXT_CONFLICTS`), in the example's order.

    >>> from matcher.practice.catalogue import PracticeExample
    >>> boys = PracticeExample("x", "T", "S", ("singing",), ("KS3",), ("boys_school",), ("r",), "one lesson")
    >>> context_conflicts(boys, {"single_sex", "girls_school"}), context_conflicts(boys, {"single_sex", "boys_school"})
    (('boys_school',), ())
    """
    return tuple(c for c in example.contexts if CONTEXT_CONFLICTS.get(c) in contexts)


def context_fit(example: PracticeExample, contexts: frozenset[str] | set[str]) -> float:
    """How well ``example`` suits a teacher with these :data:`CONTEXTS`: 0, or from 0.5 to 1.

    0.5 for an example that suits any school (it lists no contexts) or none of whose
    contexts the teacher shares; 1 when the teacher shares all of them;
    :data:`MISMATCH_CONTEXT_FIT` (0) when the example was written for a kind of school the
    teacher is not in (:func:`context_conflicts`), whatever else it shares.

    >>> from matcher.practice.catalogue import PracticeExample
    >>> example = PracticeExample("x", "T", "S", ("singing",), ("KS3",), ("department_of_one", "high_fsm"), ("r",), "one lesson")
    >>> context_fit(example, {"department_of_one"})
    0.75
    >>> boys = PracticeExample("y", "T", "S", ("singing",), ("KS3",), ("boys_school",), ("r",), "one lesson")
    >>> context_fit(boys, {"single_sex", "girls_school"}), context_fit(boys, set()), context_fit(boys, {"single_sex", "boys_school"})
    (0.0, 0.5, 1.0)
    """
    if not example.contexts:
        return ANY_CONTEXT_FIT
    if context_conflicts(example, contexts):
        return MISMATCH_CONTEXT_FIT
    share = len(contexts.intersection(example.contexts)) / len(example.contexts)
    return ANY_CONTEXT_FIT + (1 - ANY_CONTEXT_FIT) * share
