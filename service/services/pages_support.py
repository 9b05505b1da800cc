"""Small read-only lookups the pages need beyond the other services.

The cohort pages show names and schools next to the member ids stored in a run, and
draw the programme's schools on the map. Both are scoped to the coordinator's
programme, like every other service function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from .. import db
from ..auth import Identity
from ..models import School, Teacher
from ..problems import Problem

__all__ = ["Person", "people_for", "programme_school_points"]


@dataclass(frozen=True)
class Person:
    """What a coordinator sees of a group member on the cohort pages."""

    id: str
    name: str
    school: str
    local_authority: str
    lat: float
    lon: float
    department_size: int
    challenges: tuple[str, ...]
    strengths: tuple[str, ...]
    meeting_mode: str


def _coordinator(identity: Identity) -> None:
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators see the members of cohort runs.")


def people_for(identity: Identity, teacher_ids: Iterable[str]) -> dict[str, Person]:
    """The members among ``teacher_ids`` who are teachers of the coordinator's programme.

    Ids that are missing from the answer were erased (a run keeps a pseudonym for them)
    or belong to another programme.
    """
    _coordinator(identity)
    ids = sorted(set(teacher_ids))
    out: dict[str, Person] = {}
    s = db.session()
    for start in range(0, len(ids), 500):
        rows = s.execute(
            sa.select(Teacher, School)
            .join(School, School.urn == Teacher.school_urn)
            .where(Teacher.programme_id == identity.programme_id, Teacher.id.in_(ids[start : start + 500]))
        ).all()
        for t, school in rows:
            out[t.id] = Person(
                id=t.id,
                name=t.name,
                school=school.name,
                local_authority=school.local_authority,
                lat=school.lat,
                lon=school.lon,
                department_size=t.department_size,
                challenges=tuple(t.challenges or ()),
                strengths=tuple(t.strengths or ()),
                meeting_mode=t.meeting_mode,
            )
    return out


def programme_school_points(identity: Identity) -> list[tuple[float, float]]:
    """``(lat, lon)`` of every school with a teacher in the coordinator's programme."""
    _coordinator(identity)
    rows = db.session().execute(
        sa.select(School.lat, School.lon).join(Teacher, Teacher.school_urn == School.urn).where(Teacher.programme_id == identity.programme_id).distinct()
    )
    return [(float(lat), float(lon)) for lat, lon in rows]
