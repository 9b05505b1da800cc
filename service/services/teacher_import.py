"""Teacher import: validate a whole CSV (or JSON) file and store it, all rows or none.

Fields a teacher changed themselves (``Teacher.teacher_edited``) keep the teacher's value
on a coordinator's re-import unless the coordinator asks to overwrite them; the teacher's
consent is never changed by an import; erased teachers are skipped (:mod:`.erasures`).

>>> str(SkippedRow(3, "t-1", "erased"))
'line 3 (t-1): erased'
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from matcher.profiles.fields import FIELD, FIELDS
from matcher.profiles.io import parse_teachers_csv, parse_teachers_json
from matcher.profiles.teacher import TeacherProfile
from matcher.places.schools import load_schools

from .. import db
from ..auth import Identity
from ..models import Teacher, utcnow
from ..problems import Problem
from .common import bump_profiles
from .erasures import ERASED_MESSAGE, erased_ids
from .teachers import apply_profile, profile_of

__all__ = ["import_teachers", "ImportResult", "KeptRow", "SkippedRow", "IMPORT_BATCH"]

IMPORT_BATCH = 500


@dataclass(frozen=True)
class KeptRow:
    """A row of an import whose teacher kept their own values of some ``fields``."""

    row: int | None
    teacher_id: str
    fields: tuple[str, ...]

    def __str__(self) -> str:
        where = f"line {self.row}" if self.row is not None else "a row"
        return f"{where} ({self.teacher_id}): kept the teacher's values of {', '.join(self.fields)}"


@dataclass(frozen=True)
class SkippedRow:
    """A row of an import that was not stored, and why."""

    row: int | None
    teacher_id: str
    message: str = ERASED_MESSAGE

    def __str__(self) -> str:
        where = f"line {self.row}" if self.row is not None else "a row"
        return f"{where} ({self.teacher_id}): {self.message}"


@dataclass(frozen=True)
class ImportResult:
    """What an import stored, which rows kept a teacher's own values, which were skipped."""

    created: int
    updated: int
    kept: tuple[KeptRow, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()

    @property
    def total(self) -> int:
        return self.created + self.updated

    def lines(self) -> list[str]:
        """One readable line per kept or skipped row."""
        return [str(x) for x in (*self.kept, *self.skipped)]


def _merge(t: Teacher, profile: TeacherProfile, overwrite_teacher_edits: bool) -> tuple[TeacherProfile, tuple[str, ...]]:
    """The imported profile with the teacher's own choices kept, and the fields kept (that differed)."""
    edited = set(t.teacher_edited or ())
    keep = [
        f.name for f in FIELDS
        if f.name != "id" and (not f.coordinator_may_edit or (f.name in edited and f.teacher_may_edit and not overwrite_teacher_edits))
    ]
    current = profile_of(t)
    differs = tuple(name for name in keep if getattr(current, name) != getattr(profile, name))
    if not differs:
        return profile, ()
    return profile.with_changes(**{name: getattr(current, name) for name in differs}), differs


def import_teachers(identity: Identity, text: str, *, fmt: str = "csv", overwrite_teacher_edits: bool = False) -> ImportResult:
    """Validate a whole CSV (or JSON) file and store it, all rows or none.

    Rows whose id exists in the coordinator's programme are updated, others created
    (teacher ids are per programme: another programme's teachers play no part). For an existing teacher, the teacher's consent is never changed, and the
    fields they edited themselves keep their value unless ``overwrite_teacher_edits``;
    the result lists those rows. Rows of erased teachers (by id or email) are skipped and
    listed.

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
    erased = erased_ids(s, identity.programme_id, report.profiles)
    lines = report.lines or (None,) * len(report.profiles)
    rows = [(p, line) for p, line in zip(report.profiles, lines) if p.id not in erased]
    skipped = tuple(SkippedRow(line, p.id) for p, line in zip(report.profiles, lines) if p.id in erased)
    ids = [p.id for p, _ in rows]
    existing: dict[str, Teacher] = {}
    for start in range(0, len(ids), IMPORT_BATCH):
        chunk = ids[start : start + IMPORT_BATCH]
        # Locked (on PostgreSQL) until the import commits: a teacher's edit saved meanwhile
        # is either seen here (and kept) or refused with 409 (its version moved on).
        mine = sa.select(Teacher).where(Teacher.programme_id == identity.programme_id, Teacher.id.in_(chunk))
        existing.update({t.id: t for t in s.execute(mine.with_for_update(of=Teacher)).scalars()})
    created = updated = 0
    kept: list[KeptRow] = []
    now = utcnow()
    for n, (profile, line) in enumerate(rows, start=1):
        t = existing.get(profile.id)
        if t is None:
            t = Teacher(id=profile.id, programme_id=identity.programme_id)
            s.add(t)
            created += 1
        else:
            profile, fields_kept = _merge(t, profile, overwrite_teacher_edits)
            if fields_kept:
                kept.append(KeptRow(line, profile.id, fields_kept))
            if overwrite_teacher_edits and t.teacher_edited:
                # The coordinator chose the file's values: they are no longer the teacher's own.
                t.teacher_edited = [name for name in t.teacher_edited if not FIELD[name].coordinator_may_edit]
            t.version += 1
            t.updated_at = now
            updated += 1
        apply_profile(t, profile)
        if n % IMPORT_BATCH == 0:
            s.flush()
    s.flush()
    if rows:
        bump_profiles(s, identity.programme_id)
    return ImportResult(created=created, updated=updated, kept=tuple(kept), skipped=skipped)
