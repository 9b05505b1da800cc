"""Teacher profiles: access checks, listing, create/update, CSV import and export."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher.errors import Issue
from matcher.profiles.io import parse_teachers_csv, parse_teachers_json, profile_from_record, teachers_to_csv
from matcher.profiles.teacher import Cohort, TeacherProfile
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEMES

from .. import db
from ..auth import Identity
from ..models import School, Teacher, utcnow
from ..problems import Problem
from . import analyst
from .common import Page, bump_profiles, nul_issues, paginate, pseudonym

__all__ = [
    "PROFILE_FIELDS",
    "profile_of",
    "apply_profile",
    "get_teacher_for",
    "list_teachers",
    "create_teacher",
    "update_teacher",
    "import_teachers",
    "ImportResult",
    "export_teachers_csv",
    "pseudonymise",
    "programme_profiles",
    "programme_cohort",
]

PROFILE_FIELDS = tuple(f.name for f in fields(TeacherProfile))
_LIST_FIELDS = frozenset({"key_stages", "interests", "challenges", "strengths", "availability", "previous_groupmates"})
IMPORT_BATCH = 500


def profile_of(t: Teacher) -> TeacherProfile:
    """The ``matcher`` profile of a stored teacher."""
    values = {}
    for name in PROFILE_FIELDS:
        value = getattr(t, name)
        values[name] = tuple(value or ()) if name in _LIST_FIELDS else value
    return TeacherProfile(**values)


def apply_profile(t: Teacher, p: TeacherProfile) -> None:
    """Copy a validated profile onto a stored teacher (the id is not changed)."""
    for name in PROFILE_FIELDS:
        if name == "id":
            continue
        value = getattr(p, name)
        setattr(t, name, list(value) if name in _LIST_FIELDS else value)


def get_teacher_for(identity: Identity, teacher_id: str, *, write: bool = False) -> Teacher:
    """Load a teacher and check that ``identity`` may see it (or change it, with ``write``).

    Coordinators reach the teachers of their programme; a teacher reaches their own
    profile only; analysts reach no individual profile.

    Raises
    ------
    Problem
        404 when there is no such teacher, 403 when it is not yours.
    """
    t = db.session().get(Teacher, teacher_id)
    if t is None:
        raise Problem(404, f"There is no teacher with id {teacher_id!r}.")
    if identity.is_coordinator and t.programme_id == identity.programme_id:
        return t
    if identity.is_teacher and identity.teacher_id == t.id:
        return t
    if identity.is_analyst:
        raise Problem(403, "Analysts see pseudonymised exports only, not individual profiles.")
    raise Problem(403, f"Teacher {teacher_id!r} is not yours to {'change' if write else 'see'}.")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_teachers(
    identity: Identity,
    *,
    page: int = 1,
    per_page: int = 20,
    q: str | None = None,
    local_authority: str | None = None,
    department_of_one: bool | None = None,
    theme: str | None = None,
    school_urn: int | None = None,
) -> Page:
    """The teachers of the coordinator's programme, filtered, in id order."""
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators list teachers.")
    query = sa.select(Teacher).where(Teacher.programme_id == identity.programme_id)
    if q:
        query = query.where(sa.or_(Teacher.name.ilike(_like(q), escape="\\"), Teacher.id.ilike(_like(q), escape="\\")))
    if local_authority:
        query = query.join(School, School.urn == Teacher.school_urn).where(School.local_authority == local_authority)
    if department_of_one is True:
        query = query.where(Teacher.department_size <= 1)
    elif department_of_one is False:
        query = query.where(Teacher.department_size > 1)
    if theme:
        if theme not in THEMES:
            raise Problem(422, f"unknown theme {theme!r}", errors=[Issue(None, "theme", theme, "unknown theme")])
        needle = f'%"{theme}"%'
        query = query.where(
            sa.or_(*(sa.cast(getattr(Teacher, f), sa.Text).like(needle) for f in ("interests", "challenges", "strengths")))
        )
    if school_urn is not None:
        query = query.where(Teacher.school_urn == school_urn)
    return paginate(db.session(), query.order_by(Teacher.id), page, per_page)


def _validate(record: Mapping[str, Any], row: int | None = None) -> TeacherProfile:
    issues = nul_issues(record, row)
    if issues:
        raise Problem(422, f"{len(issues)} problem(s) in the profile", errors=issues)
    profile, issues = profile_from_record(record, row, load_schools())
    if issues:
        raise Problem(422, f"{len(issues)} problem(s) in the profile", errors=issues)
    return profile


def create_teacher(identity: Identity, data: Mapping[str, Any]) -> Teacher:
    """Create a teacher in the coordinator's programme from a profile record.

    Raises
    ------
    Problem
        403 for non-coordinators, 422 listing every invalid field, 409 if the id is taken.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators add teachers.")
    profile = _validate(data)
    s = db.session()
    if s.get(Teacher, profile.id) is not None:
        raise Problem(409, f"A teacher with id {profile.id!r} already exists.", errors=[Issue(None, "id", profile.id, "is already used")])
    t = Teacher(id=profile.id, programme_id=identity.programme_id)
    apply_profile(t, profile)
    s.add(t)
    s.flush()
    bump_profiles(s, identity.programme_id)
    return t


def update_teacher(identity: Identity, teacher_id: str, changes: Mapping[str, Any]) -> Teacher:
    """Change some fields of a profile (the id cannot change); every field is re-validated."""
    t = get_teacher_for(identity, teacher_id, write=True)
    if "id" in changes and changes["id"] != t.id:
        raise Problem(422, "The id of a teacher cannot change.", errors=[Issue(None, "id", str(changes["id"]), "cannot change")])
    current = profile_of(t)
    record = {name: getattr(current, name) for name in PROFILE_FIELDS}
    record.update({k: v for k, v in changes.items() if k in PROFILE_FIELDS})
    profile = _validate(record)
    apply_profile(t, profile)
    t.version += 1
    t.updated_at = utcnow()
    bump_profiles(db.session(), t.programme_id)
    return t


@dataclass(frozen=True)
class ImportResult:
    """What an import stored."""

    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def import_teachers(identity: Identity, text: str, *, fmt: str = "csv") -> ImportResult:
    """Validate a whole CSV (or JSON) file and store it, all rows or none.

    Rows whose id exists are updated, others created. Ids used by another programme are
    refused.

    Raises
    ------
    Problem
        422 with one error per problem (line, field, value, suggestion); nothing is stored.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators import teachers.")
    if "\x00" in text:
        raise Problem(422, "The file contains NUL characters; is it really a CSV file?")
    report = (parse_teachers_json if fmt == "json" else parse_teachers_csv)(text, schools=load_schools())
    if report.issues:
        raise Problem(
            422,
            f"{report.summary()}; nothing was imported.",
            title="The file has problems",
            errors=report.issues,
            extra={"issue_count": report.issue_count, "truncated": report.truncated, "issues_by_field": report.by_field},
        )
    s = db.session()
    ids = [p.id for p in report.profiles]
    existing: dict[str, Teacher] = {}
    for start in range(0, len(ids), IMPORT_BATCH):
        chunk = ids[start : start + IMPORT_BATCH]
        existing.update({t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.id.in_(chunk))).scalars()})
    foreign = [Issue(None, "id", t.id, "is used by a teacher of another programme") for t in existing.values() if t.programme_id != identity.programme_id]
    if foreign:
        raise Problem(422, f"{len(foreign)} id(s) belong to another programme; nothing was imported.", errors=foreign)
    created = updated = 0
    now = utcnow()
    for n, profile in enumerate(report.profiles, start=1):
        t = existing.get(profile.id)
        if t is None:
            t = Teacher(id=profile.id, programme_id=identity.programme_id)
            s.add(t)
            created += 1
        else:
            t.version += 1
            t.updated_at = now
            updated += 1
        apply_profile(t, profile)
        if n % IMPORT_BATCH == 0:
            s.flush()
    s.flush()
    bump_profiles(s, identity.programme_id)
    return ImportResult(created=created, updated=updated)


def pseudonymise(p: TeacherProfile) -> TeacherProfile:
    """The profile with ids replaced by pseudonyms and names, email and free text removed."""
    return p.with_changes(
        id=pseudonym(p.id),
        name=pseudonym(p.id),
        email="",
        about="",
        previous_groupmates=tuple(pseudonym(m) for m in p.previous_groupmates),
    )


def programme_profiles(s: Session, programme_id: int) -> list[TeacherProfile]:
    """Every profile of a programme, in id order."""
    rows = s.execute(sa.select(Teacher).where(Teacher.programme_id == programme_id).order_by(Teacher.id)).scalars()
    return [profile_of(t) for t in rows]


def export_teachers_csv(identity: Identity) -> str:
    """The programme's teachers as CSV: complete for coordinators, pseudonymised for analysts."""
    if identity.is_teacher:
        raise Problem(403, "Teachers export their own data from their profile (GDPR export).")
    profiles = programme_profiles(db.session(), identity.programme_id)
    if identity.is_analyst:  # pseudonyms, k-anonymous quasi-identifiers (service/services/analyst.py)
        return analyst.teachers_csv(profiles, {urn: school.local_authority for urn, school in load_schools().items()})
    return teachers_to_csv(profiles)  # formula-safe cells (matcher.csvsafe)


_COHORTS: OrderedDict = OrderedDict()
_COHORTS_LOCK = threading.Lock()
_COHORTS_MAX = 4


def programme_cohort(s: Session, programme_id: int, profiles_version: int) -> Cohort:
    """The programme's teachers as a ``matcher`` cohort, cached per profiles version."""
    key = (str(s.get_bind().url), programme_id, profiles_version)
    with _COHORTS_LOCK:
        cohort = _COHORTS.get(key)
        if cohort is not None:
            _COHORTS.move_to_end(key)
            return cohort
    cohort = Cohort.from_profiles(programme_profiles(s, programme_id), load_schools())
    with _COHORTS_LOCK:
        _COHORTS[key] = cohort
        while len(_COHORTS) > _COHORTS_MAX:
            _COHORTS.popitem(last=False)
    return cohort
