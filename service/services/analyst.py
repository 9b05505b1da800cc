"""What analysts see: pseudonymised exports that are k-anonymous on their quasi-identifiers.

A pseudonym hides a teacher's id, but the school, the local authority and the size of the
department can still point at one person (a department of one *is* its teacher). So every
analyst export keeps only coarse quasi-identifiers and generalises them until each
combination is shared by at least :data:`K` rows:

- the school (URN and name) is dropped;
- department size becomes a band (``"1"``, ``"2-3"``, ``"4+"``) and years of teaching too
  (``"0-2"``, ``"3-9"``, ``"10+"``);
- rows whose combination is rarer than ``K`` are generalised step by step: the local
  authority becomes ``"other"``, then years, role and department size become ``"*"``
  (suppressed), until the combination is shared by ``K`` rows or fully suppressed.

Free text, names and emails never appear; teacher ids (and previous groupmates, and
practice-example authors) appear only as :func:`~.common.pseudonym`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.csvsafe import write_rows
from matcher.profiles.teacher import TeacherProfile

from .common import pseudonym

__all__ = ["K", "SUPPRESSED", "TEACHER_COLUMNS", "department_band", "years_band", "k_anonymise", "teachers_csv", "author"]

K = 5
SUPPRESSED = "*"
OTHER = "other"
TEACHER_COLUMNS = (
    "pseudonym", "local_authority", "department_size", "role", "years_teaching", "key_stages",
    "interests", "challenges", "strengths", "meeting_mode", "context_preference", "previous_groupmates",
)
TEACHER_QUASI = ("local_authority", "department_size", "role", "years_teaching")


def department_band(size: int) -> str:
    """``"1"``, ``"2-3"`` or ``"4+"``.

    >>> [department_band(n) for n in (1, 2, 3, 4, 30)]
    ['1', '2-3', '2-3', '4+', '4+']
    """
    return "1" if size <= 1 else "2-3" if size <= 3 else "4+"


def years_band(years: int) -> str:
    """``"0-2"``, ``"3-9"`` or ``"10+"``.

    >>> [years_band(n) for n in (0, 2, 3, 9, 10)]
    ['0-2', '0-2', '3-9', '3-9', '10+']
    """
    return "0-2" if years <= 2 else "3-9" if years <= 9 else "10+"


def k_anonymise(rows: Sequence[Mapping[str, Any]], steps: Sequence[tuple[str, str]], quasi: Sequence[str], *, k: int = K) -> list[dict[str, Any]]:
    """Generalise ``rows`` until every combination of ``quasi`` is shared by ``k`` rows.

    ``steps`` are ``(column, replacement)`` pairs tried in order; each is applied only to
    the rows whose combination is still rarer than ``k``. Rows left rare at the end have
    every quasi-identifier suppressed. The input is not changed.

    >>> rows = [{"la": "A", "dept": "1"}] * 5 + [{"la": "B", "dept": "1"}, {"la": "C", "dept": "4+"}]
    >>> sorted(Counter((r["la"], r["dept"]) for r in k_anonymise(rows, [("la", "other")], ("la", "dept"), k=2)).items())
    [(('*', '*'), 2), (('A', '1'), 5)]
    """
    out = [dict(r) for r in rows]

    def rare() -> list[dict[str, Any]]:
        counts = Counter(tuple(r[q] for q in quasi) for r in out)
        return [r for r in out if counts[tuple(r[q] for q in quasi)] < k]

    for column, replacement in steps:
        for r in rare():
            r[column] = replacement
    for r in rare():
        for q in quasi:
            r[q] = SUPPRESSED
    return out


def teachers_csv(profiles: Sequence[TeacherProfile], local_authorities: Mapping[int, str]) -> str:
    """The analyst export of a programme's teachers: one row per pseudonym, k-anonymous.

    ``local_authorities`` maps school URNs to their local authority.
    """
    rows = [
        {
            "pseudonym": pseudonym(p.id),
            "local_authority": local_authorities.get(p.school_urn, OTHER),
            "department_size": department_band(p.department_size),
            "role": p.role,
            "years_teaching": years_band(p.years_teaching),
            "key_stages": ";".join(p.key_stages),
            "interests": ";".join(p.interests),
            "challenges": ";".join(p.challenges),
            "strengths": ";".join(p.strengths),
            "meeting_mode": p.meeting_mode,
            "context_preference": p.context_preference,
            "previous_groupmates": ";".join(pseudonym(m) for m in p.previous_groupmates),
        }
        for p in profiles
    ]
    steps = [("local_authority", OTHER), ("years_teaching", SUPPRESSED), ("role", SUPPRESSED), ("department_size", SUPPRESSED)]
    safe = k_anonymise(rows, steps, TEACHER_QUASI)
    return write_rows([TEACHER_COLUMNS, *([r[c] for c in TEACHER_COLUMNS] for r in safe)])


def author(teacher_id: str | None) -> str | None:
    """A practice example's author as analysts see it (a pseudonym)."""
    return None if teacher_id is None else pseudonym(teacher_id)
