"""The CSV export of a finished run: one row per member, pseudonymised for analysts.

Rows are built from the run's :class:`matcher.cohorts.Grouping` (ids) and today's profiles;
the text is written by :func:`write_csv`, the one CSV writer of this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from .. import db
from ..auth import Identity
from ..models import School, Teacher
from ..problems import Problem
from .cohort_review import review_of
from .cohort_runs import get_run_for
from .common import pseudonym

__all__ = ["EXPORT_COLUMNS", "export_csv", "write_csv"]

EXPORT_COLUMNS = ("group", "approved", "teacher_id", "name", "school_urn", "school", "local_authority", "group_score")  # group: the number the pages show


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text of ``header`` and ``rows`` (the one place this export writes CSV)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export_csv(identity: Identity, run_id: int) -> str:
    """One row per member: complete for coordinators, pseudonymised for analysts.

    ``group`` is the group's number as the pages show it (``index`` + 1); a member erased
    since the run keeps its row under its pseudonym, with no name or school.
    """
    run = get_run_for(identity, run_id, export=True)
    if run.status != "done" or not run.result:
        raise Problem(409, f"The run is {run.status}; there is nothing to export yet.")
    review = review_of(run)
    grouping = review.grouping
    s = db.session()
    members = list(grouping.teacher_ids)
    people = {
        t.id: (t, school)
        for t, school in s.execute(
            sa.select(Teacher, School).join(School, School.urn == Teacher.school_urn).where(Teacher.programme_id == run.programme_id, Teacher.id.in_(members))
        ).all()
    }
    rows: list[list[object]] = []
    for index, group in enumerate(grouping.groups):
        explained = review.explained(index)
        score = round(explained.score, 6) if explained is not None else ""
        for member in group:
            found = people.get(member)
            if found is None:  # erased since the run: its pseudonym only
                rows.append([index + 1, "yes" if grouping.is_approved(index) else "no", member, "", "", "", "", score])
                continue
            t, school = found
            rows.append(
                [
                    index + 1,
                    "yes" if grouping.is_approved(index) else "no",
                    pseudonym(member) if identity.is_analyst else member,
                    "" if identity.is_analyst else t.name,
                    school.urn,
                    school.name,
                    school.local_authority,
                    score,
                ]
            )
    return write_csv(EXPORT_COLUMNS, rows)
