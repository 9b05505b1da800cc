"""Teacher profiles: access checks, listing, create/update and export (CSV import: :mod:`.teacher_import`).

Who may change what comes from the field registry (:data:`matcher.profiles.fields.FIELDS`):
consent to share contact details is the teacher's alone (a coordinator records it only
for a new teacher); fields a teacher changed themselves (``Teacher.teacher_edited``)
keep the teacher's value on a coordinator's re-import unless the coordinator asks to
overwrite them; erased teachers are skipped by every import (:mod:`.erasures`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher.errors import Issue
from matcher.profiles.fields import FIELD, FIELDS
from matcher.profiles.io import profile_from_record, teachers_to_csv
from matcher.profiles.teacher import Cohort, TeacherProfile
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEMES
from matcher.profiles.phrases import count_phrase

from .. import db
from ..auth import Identity
from ..models import School, Teacher, utcnow
from ..problems import Problem
from . import analyst
from .common import Page, bump_profiles, check_if_match, nul_issues, paginate, pseudonym, teacher_by_id
from .erasures import ERASED_MESSAGE, erased_ids

__all__ = [
    "PROFILE_FIELDS",
    "etag",
    "profile_of",
    "apply_profile",
    "get_teacher_for",
    "list_teachers",
    "theme_matches",
    "create_teacher",
    "update_teacher",
    "export_teachers_csv",
    "pseudonymise",
    "programme_profiles",
    "programme_cohort",
]

PROFILE_FIELDS = tuple(f.name for f in FIELDS)
# The profile fields the theme filter searches, and how each reads in "the theme is their ...".
THEME_MATCH = (("interests", "interest"), ("challenges", "challenge"), ("strengths", "strength"))


def profile_of(t: Teacher) -> TeacherProfile:
    """The ``matcher`` profile of a stored teacher (the registry's fields, lists as tuples)."""
    values: dict[str, Any] = {f.name: tuple(getattr(t, f.name) or ()) if f.is_list else getattr(t, f.name) for f in FIELDS}
    return TeacherProfile(**values)


def apply_profile(t: Teacher, p: TeacherProfile) -> None:
    """Copy a validated profile onto a stored teacher (the id is not changed)."""
    for f in FIELDS:
        if f.name != "id":
            value = getattr(p, f.name)
            setattr(t, f.name, list(value) if f.is_list else value)


def etag(t: Teacher) -> str:
    """The profile's ETag (its id and version), for ``If-Match``."""
    return f'"teacher-{t.id}-v{t.version}"'


def _changed(before: TeacherProfile, after: TeacherProfile) -> list[str]:
    return [f.name for f in FIELDS if getattr(before, f.name) != getattr(after, f.name)]


def _as_value(name: str, value: Any) -> Any:
    return tuple(value) if FIELD[name].is_list and isinstance(value, (list, tuple)) else value


def get_teacher_for(identity: Identity, teacher_id: str, *, write: bool = False) -> Teacher:
    """Load a teacher and check that ``identity`` may see it (or change it, with ``write``).

    Coordinators reach the teachers of their programme; a teacher reaches their own
    profile only; analysts reach no individual profile.

    Raises
    ------
    Problem
        404 when there is no such teacher in your programme (another programme's teacher
        gets the same answer as a missing one), 403 when it is not yours.
    """
    t = teacher_by_id(db.session(), identity.programme_id, teacher_id)
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
            sa.or_(*(sa.cast(getattr(Teacher, f), sa.Text).like(needle) for f, _ in THEME_MATCH))
        )
    if school_urn is not None:
        query = query.where(Teacher.school_urn == school_urn)
    return paginate(db.session(), query.order_by(Teacher.id), page, per_page)


def theme_matches(teachers: Iterable[Teacher], theme: str) -> dict[str, list[str]]:
    """For each teacher, which of their fields hold ``theme`` ("interest", "challenge",
    "strength"): what the theme filter of :func:`list_teachers` matched."""
    return {t.id: [word for name, word in THEME_MATCH if theme in (getattr(t, name) or ())] for t in teachers}


def _validate(record: Mapping[str, Any], row: int | None = None) -> TeacherProfile:
    issues = nul_issues(record, row)
    if issues:
        raise Problem(422, f"{count_phrase(len(issues), 'problem')} in the profile", errors=issues)
    profile, issues = profile_from_record(record, row, load_schools())
    if issues or profile is None:
        raise Problem(422, f"{count_phrase(len(issues), 'problem')} in the profile", errors=issues)
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
    if teacher_by_id(s, identity.programme_id, profile.id) is not None:
        raise Problem(409, f"A teacher with id {profile.id!r} already exists.", errors=[Issue(None, "id", profile.id, "is already used")])
    if erased_ids(s, identity.programme_id, [profile]):
        raise Problem(409, f"Teacher {profile.id!r} was {ERASED_MESSAGE.split(';')[0]}; they cannot be added again.", errors=[Issue(None, "id", profile.id, ERASED_MESSAGE)])
    t = Teacher(id=profile.id, programme_id=identity.programme_id)
    apply_profile(t, profile)
    s.add(t)
    s.flush()
    bump_profiles(s, identity.programme_id)
    return t


def update_teacher(
    identity: Identity,
    teacher_id: str,
    changes: Mapping[str, Any],
    *,
    if_match: str | None = None,
    version: int | None = None,
) -> Teacher:
    """Change some fields of a profile (the id cannot change); every field is re-validated.

    The client names the version it edits from (``If-Match`` with the ETag, or
    ``version``). Each field says who may change it (the registry's ``editable_by``):
    a coordinator cannot change a teacher's consent, a teacher cannot change the
    coordinator's fields. Fields the teacher changes are remembered in
    ``teacher_edited``, so that a coordinator's re-import keeps them.

    Raises
    ------
    Problem
        403 for a field the caller may not change, 428 without a version, 409 when the
        profile changed since the client loaded it, 422 listing every invalid field.
    """
    t = get_teacher_for(identity, teacher_id, write=True)
    if "id" in changes and changes["id"] != t.id:
        raise Problem(422, "The id of a teacher cannot change.", errors=[Issue(None, "id", str(changes["id"]), "cannot change")])
    current = profile_of(t)
    wanted = {k: v for k, v in changes.items() if k in FIELD and k != "id"}
    mine = identity.is_teacher and identity.teacher_id == t.id
    refused = [
        k for k, v in wanted.items()
        if _as_value(k, v) != getattr(current, k) and not (FIELD[k].teacher_may_edit if mine else FIELD[k].coordinator_may_edit)
    ]
    if refused:
        who = "the teacher's own decision; only they can change it (on their profile)" if not mine else "kept by your coordinator; ask them to change it"
        raise Problem(
            403,
            f"{', '.join(refused)}: {who}.",
            title="Not yours to change",
            errors=[Issue(None, k, None, who) for k in refused],
        )
    expected = check_if_match(etag(t), t.version, if_match, version, what=f"the profile of {t.id!r}")
    profile = _validate({**{name: getattr(current, name) for name in PROFILE_FIELDS}, **wanted})
    s = db.session()
    # Compare and bump in one statement: of two edits from the same version, one wins.
    bump = sa.update(Teacher).where(Teacher.programme_id == t.programme_id, Teacher.id == t.id, Teacher.version == expected).values(version=expected + 1)
    # an UPDATE answers a CursorResult (Session.execute is typed for the general Result)
    if cast("sa.CursorResult[Any]", s.execute(bump.execution_options(synchronize_session=False))).rowcount != 1:
        raise Problem(409, f"The profile of {t.id!r} has changed since you loaded it; reload it and redo your change.")
    if mine:
        edited = set(t.teacher_edited or ()) | set(_changed(current, profile))
        t.teacher_edited = [name for name in PROFILE_FIELDS if name in edited]
    apply_profile(t, profile)
    t.version = expected + 1
    t.updated_at = utcnow()
    bump_profiles(s, t.programme_id)
    return t


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


_COHORTS: OrderedDict[tuple[str, int, int], Cohort] = OrderedDict()
_COHORTS_LOCK = threading.Lock()
_COHORTS_MAX = 4


def programme_cohort(s: Session, programme_id: int, profiles_version: int) -> Cohort:
    """The programme's teachers as a ``matcher`` cohort, cached per profiles version."""
    key = (str(s.get_bind().engine.url), programme_id, profiles_version)
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
